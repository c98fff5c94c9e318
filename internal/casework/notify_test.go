package casework_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"anju/internal/casework"
)

type smsBox struct {
	mu   sync.Mutex
	sent []string
}

func (b *smsBox) Send(_ context.Context, mobile, text string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, mobile+" "+text)
	return nil
}

// Staff notices go to the webhook, signed; party notices by SMS; each once,
// even with several dispatchers; a failing receiver is retried.
func TestDispatchDeliversOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		var mu sync.Mutex
		var got []string
		fail := true
		hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			m := hmac.New(sha256.New, []byte("s3cret"))
			m.Write(body)
			if r.Header.Get("X-Anju-Signature") != "sha256="+hex.EncodeToString(m.Sum(nil)) {
				t.Errorf("bad signature")
			}
			mu.Lock()
			defer mu.Unlock()
			if fail {
				fail = false
				rw.WriteHeader(http.StatusBadGateway)
				return
			}
			got = append(got, r.Header.Get("X-Anju-Delivery"))
		}))
		defer hook.Close()
		box := &smsBox{}
		w.E.Channels = []casework.Channel{&casework.WebhookChannel{URL: hook.URL, Secret: "s3cret"}, &casework.SMSChannel{Sender: box}}
		for range 3 {
			w.newTask(t, w.StaffA, w.A, "x")
		}
		w.Now = w.Now.Add(30 * 24 * time.Hour)
		if res, err := w.E.Sweep(sysCtx()); err != nil || res.Overdue != 3 {
			t.Fatalf("sweep %+v %v", res, err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.E.Dispatch(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if _, err := w.E.Dispatch(context.Background()); err != nil { // the retry of the one that failed
			t.Fatal(err)
		}
		mu.Lock()
		n := len(got)
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Errorf("notice %s delivered twice", id)
			}
			seen[id] = true
		}
		mu.Unlock()
		if n != 3 {
			t.Fatalf("webhook got %d notices, want 3", n)
		}
		var pending int
		_ = w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM case_notifications WHERE out_state <> 'sent'`).Scan(&pending)
		if pending != 0 {
			t.Errorf("%d notices not sent", pending)
		}
		if len(box.sent) != 0 {
			t.Errorf("staff notices went by SMS: %v", box.sent)
		}
	})
}
