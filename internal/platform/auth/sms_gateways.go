package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrSMSOff is returned when no SMS gateway is configured: SMS login and
// registration are then unavailable, and the pages say so.
var ErrSMSOff = errors.New("SMS is not configured on this server")

// NoSMS refuses to send: the default of a production server until an
// operator names a gateway.
type NoSMS struct{}

// Send always fails with ErrSMSOff.
func (NoSMS) Send(context.Context, string, string) error { return ErrSMSOff }

// WebhookSMS hands each message to the city's SMS gateway as an HTTP POST
// of {"mobile": "...", "text": "..."}; any 2xx answer means accepted.
type WebhookSMS struct {
	URL    string
	Client *http.Client
}

// Send posts the message to the gateway.
func (w WebhookSMS) Send(ctx context.Context, mobile, text string) error {
	body, _ := json.Marshal(map[string]string{"mobile": mobile, "text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("SMS gateway: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("SMS gateway answered %s", resp.Status)
	}
	return nil
}
