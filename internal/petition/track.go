package petition

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/db"
)

// ErrTrack: the number and check code do not match a petition. It does not
// say which was wrong.
var ErrTrack = errors.New("petition: no petition with this number and check code")

// TrackLockedError: too many wrong check codes for this number; tracking
// it is paused until Until.
type TrackLockedError struct{ Until time.Time }

func (e *TrackLockedError) Error() string { return "petition: tracking paused after wrong check codes" }

// Tracking limits: wrong check codes per number before a pause, and its length.
const (
	trackMaxFailures = 5
	trackLock        = 15 * time.Minute
)

// NormalizeNumber makes a typed number comparable: upper case, no spaces
// or dashes.
func NormalizeNumber(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "", "-", "", "　", "").Replace(s)
}

// Track finds the petition with number for its party: a citizen or company
// logged in as the one who filed it needs no check; anyone else gives the
// check code (the last four digits of the phone given, or the code shown
// at filing). Wrong codes are counted per petition, in the database (all
// processes share the count); after five, tracking pauses 15 minutes. On
// success it returns the case and a context that acts as its party.
func (s *Service) Track(ctx context.Context, number, check string) (casework.Case, context.Context, error) {
	number = NormalizeNumber(number)
	c, err := s.E.ByNumber(ctx, number)
	if errors.Is(err, db.ErrNotFound) || (err == nil && c.Type != TypeName) {
		return casework.Case{}, ctx, ErrTrack
	}
	if err != nil {
		return casework.Case{}, ctx, err
	}
	p := me(ctx)
	if p.UserID != 0 && p.UserID == c.PartyUserID {
		return c, ctx, nil
	}
	now := s.E.Clock()
	if now.Before(c.TrackLockedUntil) {
		return casework.Case{}, ctx, &TrackLockedError{Until: c.TrackLockedUntil}
	}
	check = strings.TrimSpace(check)
	if check == "" || subtle.ConstantTimeCompare([]byte(check), []byte(c.CheckCode)) != 1 {
		err := s.DB.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE cases SET track_failures = track_failures + 1 WHERE id = ?`, c.ID); err != nil {
				return err
			}
			if c.TrackFailures+1 >= trackMaxFailures {
				if _, err := tx.Exec(ctx, `UPDATE cases SET track_failures = 0, track_locked_until = ? WHERE id = ?`,
					now.Add(trackLock), c.ID); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "petition.track", ObjectType: "case", ObjectID: itoa(c.ID),
				Result: audit.Refused, Detail: "wrong check code for " + c.Number, OrgPath: c.OrgPath})
		})
		if err != nil {
			return casework.Case{}, ctx, err
		}
		return casework.Case{}, ctx, ErrTrack
	}
	if c.TrackFailures > 0 {
		_, _ = s.DB.Exec(ctx, `UPDATE cases SET track_failures = 0 WHERE id = ?`, c.ID)
	}
	return c, casework.WithPartyProof(ctx, c.ID), nil
}

// PublicCase is what a petitioner sees of their petition.
type PublicCase struct {
	Number      string    `json:"number"`
	State       string    `json:"state"`
	StateLabel  string    `json:"state_label"`
	Kind        string    `json:"kind"`
	Category    string    `json:"category"`
	Title       string    `json:"title"`
	ReceivedAt  time.Time `json:"received_at"`
	Handler     string    `json:"handler" doc:"the unit handling it"`
	Deadline    time.Time `json:"deadline,omitzero" doc:"when the current stage must be done"`
	Overdue     bool      `json:"overdue"`
	RepliedAt   time.Time `json:"replied_at,omitzero"`
	Rating      string    `json:"rating,omitempty"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	Closed      string    `json:"closed_reason,omitempty"`
	Version     int       `json:"version"`
	ReviewUntil time.Time `json:"review_until,omitzero" doc:"last day to ask for review (复查) or re-review (复核)"`
	// Actions are what the petitioner may do now: rate, request_review, request_rereview.
	Actions  []string      `json:"actions"`
	Timeline []PublicEvent `json:"timeline"`
	// Files are the case's public attachments: the petitioner's own and
	// what the handlers chose to show (a reply letter, a photo of the fix).
	Files []PublicFile `json:"files"`
}

// PublicFile is a public attachment as the petitioner sees it; the
// tracking page downloads it by POST with the number and check code.
type PublicFile struct {
	ID   int64     `json:"id"`
	Name string    `json:"name"`
	Size int64     `json:"size"`
	At   time.Time `json:"at"`
}

// PublicEvent is one public timeline entry.
type PublicEvent struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	Text string    `json:"text"`
}

// Deadline is what the petitioner is told the current stage must be done by.
func Deadline(c *casework.Case) time.Time {
	switch c.State {
	case StateRegistered, StateReviewing, StateRereviewing:
		return c.StageDueAt
	case StateHandling:
		return c.FinalDueAt
	}
	return time.Time{}
}

// Public is the petitioner's view of c, with the actions ctx may take.
func (s *Service) Public(ctx context.Context, c casework.Case, label func(state string) string) (PublicCase, error) {
	evs, err := s.E.Timeline(ctx, c.ID)
	if err != nil {
		return PublicCase{}, err
	}
	pc := PublicCase{Number: c.Number, State: c.State, StateLabel: label(c.State), Kind: c.Kind, Category: c.Category,
		Title: c.Title, ReceivedAt: c.ReceivedAt, Handler: c.UnitName, Deadline: Deadline(&c), Overdue: c.Overdue(s.E.Clock()),
		RepliedAt: c.RepliedAt, Rating: c.Rating, ClosedAt: c.ClosedAt, Closed: c.ClosedReason, Version: c.Version,
		Actions: []string{}, Timeline: []PublicEvent{}}
	key := "review_until"
	if c.ClosedReason == ClosedReview {
		key = "rereview_until"
	}
	if t, err := time.Parse(time.RFC3339, c.DataString(key)); err == nil && c.ClosedReason != ClosedRereview {
		pc.ReviewUntil = t
	}
	// What the petitioner may do now (the type's Ready hooks have hidden
	// closed windows and given ratings).
	for _, a := range s.E.AllowedNames(ctx, &c) {
		if contains(partyActions, a) {
			pc.Actions = append(pc.Actions, a)
		}
	}
	for _, ev := range evs {
		pc.Timeline = append(pc.Timeline, PublicEvent{At: ev.At, Kind: ev.Kind, Text: ev.Text})
	}
	files, err := s.E.Attachments(ctx, c.ID)
	if err != nil {
		return PublicCase{}, err
	}
	pc.Files = []PublicFile{}
	for _, f := range files {
		if f.Public {
			pc.Files = append(pc.Files, PublicFile{ID: f.ID, Name: f.Name, Size: f.Size, At: f.CreatedAt})
		}
	}
	return pc, nil
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
