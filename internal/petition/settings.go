package petition

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

// Settings are the bureau's own petition rules, which the regulation leaves
// to it. They are stored in the settings table (key petition.rules) so every
// process uses the same; each process rereads them at most every 30 s.
type Settings struct {
	// ResponseWorkdays is the rapid-response target: first contact with the
	// petitioner within this many working days of receipt (default 1).
	ResponseWorkdays int `json:"response_workdays"`
	// RepeatDays and RepeatMeters: a petition by the same person or phone,
	// in the same category, within this many days and this distance of an
	// earlier one is flagged as a repeat and linked to it.
	RepeatDays   int `json:"repeat_days"`
	RepeatMeters int `json:"repeat_meters"`
	// RatingDays: a reply not rated within this many days closes as
	// "finished, not rated".
	RatingDays int `json:"rating_days"`
	// ReopenDays: the new period after an unsatisfied rating reopens a case.
	ReopenDays int `json:"reopen_days"`
}

// DefaultSettings apply until an administrator stores others.
func DefaultSettings() Settings {
	return Settings{ResponseWorkdays: 1, RepeatDays: 90, RepeatMeters: 500, RatingDays: 30, ReopenDays: 30}
}

// Check validates s.
func (s Settings) Check() error {
	var errs casework.FieldErrors
	check := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, casework.Invalid(field, "out_of_range", fmt.Sprintf("应在%d到%d之间", lo, hi),
				fmt.Sprintf("must be from %d to %d", lo, hi)))
		}
	}
	check("response_workdays", s.ResponseWorkdays, 1, 15)
	check("repeat_days", s.RepeatDays, 1, 730)
	check("repeat_meters", s.RepeatMeters, 0, 50000)
	check("rating_days", s.RatingDays, 1, 90)
	check("reopen_days", s.ReopenDays, 1, 60)
	return errs.OrNil()
}

const settingsKey = "petition.rules"

type settingsCache struct {
	mu  sync.Mutex
	val Settings
	at  time.Time
}

// Settings returns the current rules.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if !s.cache.at.IsZero() && time.Since(s.cache.at) < 30*time.Second {
		return s.cache.val, nil
	}
	v := DefaultSettings()
	var raw string
	err := s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, settingsKey).Scan(&raw)
	switch {
	case err == nil:
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return Settings{}, err
		}
	case !isNoRows(err):
		return Settings{}, err
	}
	s.cache.val, s.cache.at = v, time.Now()
	return v, nil
}

// SaveSettings stores new rules (audited).
func (s *Service) SaveSettings(ctx context.Context, v Settings) error {
	if err := v.Check(); err != nil {
		return err
	}
	b, _ := json.Marshal(v)
	p := me(ctx)
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			settingsKey, string(b), nullID(p.UserID), time.Now().UTC()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "petition.settings", ObjectType: "settings", ObjectID: settingsKey,
			Detail: string(b), OrgPath: "/"})
	})
	if err == nil {
		s.cache.mu.Lock()
		s.cache.at = time.Time{}
		s.cache.mu.Unlock()
	}
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// The settings page: the same rules as PUT /api/v1/petition/settings, for
// the petition office's clerks and leaders at city level.

func (h *Handler) settingsRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /petition/settings", Access: citySettings, Handler: h.settingsPage},
		{Pattern: "POST /petition/settings", Access: citySettings, Handler: h.settingsSubmit},
	}
}

// settingsForm is the page's form: the values as typed, kept on errors.
type settingsForm struct {
	Fields []string
	Values map[string]string
}

// fields are the rules by their form and JSON names, in the page's order.
func (v *Settings) fields() []struct {
	name string
	n    *int
} {
	return []struct {
		name string
		n    *int
	}{{"response_workdays", &v.ResponseWorkdays}, {"repeat_days", &v.RepeatDays}, {"repeat_meters", &v.RepeatMeters},
		{"rating_days", &v.RatingDays}, {"reopen_days", &v.ReopenDays}}
}

func formOf(v Settings) settingsForm {
	f := settingsForm{Values: map[string]string{}}
	for _, fl := range v.fields() {
		f.Fields = append(f.Fields, fl.name)
		f.Values[fl.name] = strconv.Itoa(*fl.n)
	}
	return f
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.S.Settings(r.Context())
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "settings", "petition.settings.title", formOf(v), nil)
}

func (h *Handler) settingsSubmit(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	var v Settings
	f := formOf(v)
	errs := map[string]string{}
	for _, fl := range v.fields() {
		f.Values[fl.name] = strings.TrimSpace(r.PostFormValue(fl.name))
		var err error
		if *fl.n, err = strconv.Atoi(f.Values[fl.name]); err != nil {
			errs[fl.name] = web.T(l, "petition.settings.whole_number")
		}
	}
	if len(errs) == 0 {
		err := h.S.SaveSettings(r.Context(), v)
		if err == nil {
			web.SetFlash(w, web.T(l, "petition.settings.saved"))
			http.Redirect(w, r, "/petition/settings", http.StatusSeeOther)
			return
		}
		m, ok := formErrors(l, err)
		if !ok {
			casework.PageFail(w, r, err)
			return
		}
		errs = m
	}
	render(w, r, http.StatusUnprocessableEntity, "settings", "petition.settings.title", f, errs)
}
