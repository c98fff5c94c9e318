package auth_test

import (
	"context"
	"testing"
	"time"

	"anju/internal/platform/auth"
)

func TestSessionTimeouts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "zhao", DisplayName: "赵", Role: auth.CityStaff, OrgUnitID: 1})
		ctx := context.Background()
		lastSeen := func(hash string) time.Time {
			var ts time.Time
			if err := e.d.QueryRow(ctx, `SELECT last_seen_at FROM sessions WHERE id_hash = ?`, hash).Scan(&ts); err != nil {
				t.Fatal(err)
			}
			return ts.UTC()
		}

		// Idle: 29 minutes is fine, 31 is not.
		id, p := e.login(t, "zhao", testPassword)
		e.clock.Advance(29 * time.Minute)
		if _, err := e.svc.Session(ctx, id, "10.0.0.2"); err != nil {
			t.Fatalf("after 29 idle minutes: %v", err)
		}
		e.clock.Advance(31 * time.Minute)
		_, err := e.svc.Session(ctx, id, "10.0.0.2")
		wantErr(t, err, auth.ErrNoSession)
		var n int
		_ = e.d.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = ?`, p.SessionHash).Scan(&n)
		if n != 0 {
			t.Fatal("the expired session's row was not deleted")
		}

		// last_seen_at is written at most once a minute.
		id, p = e.login(t, "zhao", testPassword)
		start := e.clock.Now()
		e.clock.Advance(30 * time.Second)
		if _, err := e.svc.Session(ctx, id, "10.0.0.2"); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(p.SessionHash); !got.Equal(start) {
			t.Fatalf("last_seen_at written after 30 s: %v", got)
		}
		e.clock.Advance(40 * time.Second)
		if _, err := e.svc.Session(ctx, id, "10.0.0.2"); err != nil {
			t.Fatal(err)
		}
		if got := lastSeen(p.SessionHash); !got.Equal(start.Add(70 * time.Second)) {
			t.Fatalf("last_seen_at after 70 s = %v, want %v", got, start.Add(70*time.Second))
		}

		// Absolute: 12 hours after login the session ends even if used every 25 minutes.
		id, _ = e.login(t, "zhao", testPassword)
		start = e.clock.Now()
		for e.clock.Now().Sub(start) < 12*time.Hour-25*time.Minute {
			e.clock.Advance(25 * time.Minute)
			if _, err := e.svc.Session(ctx, id, ""); err != nil {
				t.Fatalf("active session at %v: %v", e.clock.Now().Sub(start), err)
			}
		}
		e.clock.Advance(start.Add(12 * time.Hour).Sub(e.clock.Now()))
		_, err = e.svc.Session(ctx, id, "")
		wantErr(t, err, auth.ErrNoSession)
	})
}

// Every login makes a new session id; earlier sessions of the account stay
// valid (several devices, several tabs) until they time out or are ended.
func TestNewSessionEachLogin(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id1, p1 := e.login(t, "sysadmin", testPassword)
		id2, p2 := e.login(t, "sysadmin", testPassword)
		if id1 == id2 || p1.SessionHash == p2.SessionHash || p1.CSRFToken == p2.CSRFToken {
			t.Fatal("two logins share a session id or CSRF token")
		}
		for _, id := range []string{id1, id2} {
			if _, err := e.svc.Session(ctx, id, ""); err != nil {
				t.Fatalf("session %s: %v", id, err)
			}
		}
		// Only the hash is stored.
		var n int
		_ = e.d.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = ? OR id_hash = ?`, id1, id2).Scan(&n)
		if n != 0 {
			t.Fatal("a plaintext session id is stored")
		}
		// CSRF tokens are checked against the session's.
		if !auth.CheckCSRF(p1, p1.CSRFToken) || auth.CheckCSRF(p1, p2.CSRFToken) || auth.CheckCSRF(&auth.Principal{}, "") {
			t.Fatal("CheckCSRF")
		}
		// Logout ends that one session only.
		if err := e.svc.Logout(auth.WithPrincipal(ctx, p1), id1); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Session(ctx, id1, "")
		wantErr(t, err, auth.ErrNoSession)
		if _, err := e.svc.Session(ctx, id2, ""); err != nil {
			t.Fatal(err)
		}
		if r, _ := e.audit.last("auth.logout"); r.ActorID != e.sysAdmin.ID {
			t.Fatalf("logout audit %+v", r)
		}
		// Junk ids are refused without fuss.
		for _, junk := range []string{"", "x", string(make([]byte, 500))} {
			_, err := e.svc.Session(ctx, junk, "")
			wantErr(t, err, auth.ErrNoSession)
		}
	})
}

func TestDisableEndsSessions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staff := e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "qian", DisplayName: "钱", Role: auth.CommunityStaff, OrgUnitID: 4})
		ctx := context.Background()
		id1, _ := e.login(t, "qian", testPassword)
		id2, _ := e.login(t, "qian", testPassword)
		keep, _ := e.login(t, "sysadmin", testPassword)
		if err := e.svc.Disable(e.as(e.sysAdmin), staff.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{id1, id2} {
			_, err := e.svc.Session(ctx, id, "")
			wantErr(t, err, auth.ErrNoSession)
		}
		if _, err := e.svc.Session(ctx, keep, ""); err != nil {
			t.Fatalf("another account's session ended: %v", err)
		}
		if r, _ := e.audit.last("user.disable"); r.Result != "ok" || r.Detail != "disabled, 2 sessions ended" {
			t.Fatalf("audit %+v", r)
		}
		_, _, err := e.svc.Login(ctx, auth.LoginInput{Identifier: "qian", Password: testPassword})
		wantErr(t, err, auth.ErrDisabled)
		if err := e.svc.Enable(e.as(e.sysAdmin), staff.ID); err != nil {
			t.Fatal(err)
		}
		e.login(t, "qian", testPassword)

		// The security administrator's "end sessions" does the same without disabling.
		if err := e.svc.EndSessions(e.as(e.secAdmin), staff.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		_ = e.d.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, staff.ID).Scan(&n)
		if n != 0 {
			t.Fatalf("%d sessions left", n)
		}
	})
}

func TestSweep(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.login(t, "sysadmin", testPassword)
		e.clock.Advance(time.Hour)
		e.login(t, "sysadmin", testPassword)
		n, _, err := e.svc.Sweep(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("swept %d sessions, %v; want 1", n, err)
		}
	})
}
