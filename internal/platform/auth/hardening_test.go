package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Commands on accounts or tokens outside the actor's jurisdiction (or on
// none) answer "not found", so ids cannot be probed, and are on record as
// refused.
func TestOutOfScopeRefusalsAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		inD3 := e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "b.d3", DisplayName: "乙",
			Role: auth.DistrictStaff, OrgUnitID: 3})
		secD2 := e.create(t, e.platform(), auth.NewUser{Username: "sec.d2", DisplayName: "区安全管理员",
			Role: auth.SecurityAdmin, OrgUnitID: 2})
		sysD2 := e.create(t, e.platform(), auth.NewUser{Username: "sys.d2", DisplayName: "区系统管理员",
			Role: auth.SystemAdmin, OrgUnitID: 2})
		sec, sys := e.as(secD2), e.as(sysD2)

		for _, id := range []int64{inD3.ID, 99999} {
			for _, c := range []struct {
				action string
				run    func() error
			}{
				{"user.unlock", func() error { return e.svc.Unlock(sec, id) }},
				{"user.end_sessions", func() error { return e.svc.EndSessions(sec, id) }},
				{"user.reset_password", func() error { return e.svc.SetPassword(sec, id, "Temp-Pass-001") }},
				{"user.assign_role", func() error { return e.svc.SetRoleAndScope(sec, id, auth.DistrictStaff, 2, 0) }},
				{"user.disable", func() error { return e.svc.Disable(sys, id) }},
				{"user.enable", func() error { return e.svc.Enable(sys, id) }},
			} {
				wantErr(t, c.run(), db.ErrNotFound)
				r, ok := e.audit.last(c.action)
				if !ok || r.Result != "refused" || r.Detail != "out of scope or missing" ||
					r.ObjectID != strconv.FormatInt(id, 10) || r.OrgPath != "/1/2/" || r.ActorID == 0 {
					t.Fatalf("%s of %d: audit %+v", c.action, id, r)
				}
			}
		}
		// Nothing changed in the other district.
		if u, err := e.svc.GetUser(context.Background(), e.principal(e.secAdmin), inD3.ID); err != nil ||
			u.Role != auth.DistrictStaff || u.Disabled {
			t.Fatalf("account in /1/3/ after refused commands: %+v, %v", u, err)
		}

		_, tok, err := e.svc.CreateToken(context.Background(), e.principal(e.sysAdmin), "12345 热线",
			[]string{"case.handle"}, 3, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{tok.ID, 99999} {
			wantErr(t, e.svc.RevokeToken(context.Background(), e.principal(sysD2), id), db.ErrNotFound)
			r, _ := e.audit.last("token.revoke")
			if r.Result != "refused" || r.Detail != "out of scope or missing" || r.ObjectID != strconv.FormatInt(id, 10) ||
				r.OrgPath != "/1/2/" || r.ActorID != sysD2.ID {
				t.Fatalf("revoke of %d: audit %+v", id, r)
			}
		}
		if n := e.audit.count("token.revoke", "refused"); n != 2 {
			t.Fatalf("%d refused revocations audited, want 2", n)
		}
		list, _ := e.svc.ListTokens(context.Background(), e.principal(e.sysAdmin))
		if len(list) != 1 || !list[0].RevokedAt.IsZero() {
			t.Fatalf("token after refused revocations: %+v", list)
		}
	})
}

// After five failures a name without an account answers exactly as an
// existing account does: locked, then open again after the lockout.
func TestUnknownAccountLocksLikeKnown(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "li.si", DisplayName: "李四",
			Role: auth.StreetStaff, OrgUnitID: 4})
		ctx := context.Background()
		try := func(ident, pw string) error {
			_, _, err := e.svc.Login(ctx, auth.LoginInput{Identifier: ident, Password: pw, IP: "10.6.6.6"})
			return err
		}
		outcome := func(err error) string {
			var le *auth.LockedError
			switch {
			case errors.As(err, &le):
				return "locked until " + le.Until.Format(time.RFC3339)
			case err == nil:
				return "ok"
			}
			return err.Error()
		}
		for i := range 7 {
			known, unknown := outcome(try("li.si", "Wrong-Pass-1")), outcome(try("Nobody.Here", "Wrong-Pass-1"))
			if known != unknown {
				t.Fatalf("attempt %d: existing account %q, unknown name %q", i+1, known, unknown)
			}
			want := auth.ErrBadCredentials.Error()
			if i >= 4 {
				want = "locked until " + t0.Add(15*time.Minute).Format(time.RFC3339)
			}
			if unknown != want {
				t.Fatalf("attempt %d: %q, want %q", i+1, unknown, want)
			}
		}
		// The name is matched as a login is: case and spaces do not matter.
		wantErr(t, try(" NOBODY.here ", testPassword), auth.ErrLocked)
		// Another unknown name is not affected, nor is a mobile number.
		wantErr(t, try("somebody.else", "Wrong-Pass-1"), auth.ErrBadCredentials)
		for range 4 {
			wantErr(t, try("139 0000 9999", "Wrong-Pass-1"), auth.ErrBadCredentials)
		}
		wantErr(t, try("+86 13900009999", "Wrong-Pass-1"), auth.ErrLocked)

		e.clock.Advance(16 * time.Minute)
		wantErr(t, try("nobody.here", "Wrong-Pass-1"), auth.ErrBadCredentials)
		if err := try("li.si", testPassword); err != nil {
			t.Fatalf("existing account after the lockout: %v", err)
		}
		if r, _ := e.audit.last("auth.login"); r.Result != "ok" {
			t.Fatalf("audit %+v", r)
		}
		var stored int
		if err := e.d.QueryRow(ctx, `SELECT COUNT(*) FROM login_failures WHERE ident_hash LIKE '%nobody%'`).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("names stored in clear: %d, %v", stored, err)
		}

		// A day later the unknown names are forgotten.
		e.clock.Advance(25 * time.Hour)
		wantErr(t, try("x", "Wrong-Pass-1"), auth.ErrBadCredentials)
		var left int
		if err := e.d.QueryRow(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&left); err != nil || left != 1 {
			t.Fatalf("%d rows in login_failures, want 1 (%v)", left, err)
		}
	})
}

// Concurrent guesses cannot slip past the lockout, at an existing account
// or at a name without one: four are told "wrong", the rest "locked".
func TestLockoutConcurrent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "li.si", DisplayName: "李四",
			Role: auth.StreetStaff, OrgUnitID: 4})
		for _, ident := range []string{"li.si", "ghost"} {
			var wg sync.WaitGroup
			var bad, locked atomic.Int32
			for range 20 {
				wg.Go(func() {
					_, _, err := e.svc.Login(context.Background(), auth.LoginInput{Identifier: ident, Password: "Wrong-Pass-1"})
					switch {
					case errors.Is(err, auth.ErrLocked):
						locked.Add(1)
					case errors.Is(err, auth.ErrBadCredentials):
						bad.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if bad.Load() != 4 || locked.Load() != 16 {
				t.Fatalf("%s: %d bad credentials, %d locked; want 4 and 16", ident, bad.Load(), locked.Load())
			}
		}
		_, _, err := e.svc.Login(context.Background(), auth.LoginInput{Identifier: "li.si", Password: testPassword})
		wantErr(t, err, auth.ErrLocked)
	})
}

// A wrong current password on the change-password form counts as a failed
// login: five of them lock the account, for logins and for changing the
// password alike.
func TestChangeOwnPasswordLockout(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		u := e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "wang", DisplayName: "王", Role: auth.Leader, OrgUnitID: 2})
		ctx := context.Background()
		st, err := e.svc.Authenticate(ctx, auth.LoginInput{Identifier: "wang", Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		pctx := auth.WithPrincipal(ctx, st.Principal)
		for i := range 4 {
			wantErr(t, e.svc.ChangeOwnPassword(pctx, fmt.Sprintf("Wrong-Pass-%d", i), "Chosen-Pass-22"), auth.ErrBadCredentials)
		}
		// A login failure adds to the same count: this fifth failure locks.
		_, _, err = e.svc.Login(ctx, auth.LoginInput{Identifier: "wang", Password: "Wrong-Pass-9"})
		var le *auth.LockedError
		if !errors.As(err, &le) || !le.Until.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("fifth failure: %v", err)
		}
		// Locked: even the right current password does not change it.
		wantErr(t, e.svc.ChangeOwnPassword(pctx, testPassword, "Chosen-Pass-22"), auth.ErrLocked)
		if r, _ := e.audit.last("user.change_password"); r.Result != "refused" || r.Detail != "locked" {
			t.Fatalf("audit %+v", r)
		}
		if n := e.audit.count("user.change_password", "refused"); n != 5 {
			t.Fatalf("%d refused changes audited, want 5", n)
		}
		e.clock.Advance(16 * time.Minute)
		// Five wrong current passwords alone lock too.
		for range 4 {
			wantErr(t, e.svc.ChangeOwnPassword(pctx, "Wrong-Pass-1", "Chosen-Pass-22"), auth.ErrBadCredentials)
		}
		wantErr(t, e.svc.ChangeOwnPassword(pctx, "Wrong-Pass-1", "Chosen-Pass-22"), auth.ErrLocked)
		_, _, err = e.svc.Login(ctx, auth.LoginInput{Identifier: "wang", Password: testPassword})
		wantErr(t, err, auth.ErrLocked)

		e.clock.Advance(16 * time.Minute)
		wantErr(t, e.svc.ChangeOwnPassword(pctx, "Wrong-Pass-1", "Chosen-Pass-22"), auth.ErrBadCredentials)
		if err := e.svc.ChangeOwnPassword(pctx, testPassword, "Chosen-Pass-22"); err != nil {
			t.Fatal(err)
		}
		// The right password ended the run of failures.
		got, err := e.svc.GetUser(ctx, e.principal(u), u.ID)
		if err != nil || got.FailedLogins != 0 {
			t.Fatalf("failed logins after a change: %d, %v", got.FailedLogins, err)
		}
	})
}

// Password checks beyond MaxConcurrentHashes wait for a slot, while the
// request's context lasts.
func TestPasswordChecksBounded(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// The bound is read at the first password check: a fresh service.
		e.svc = &auth.Service{DB: e.d, Audit: e.audit.Audit, Now: e.clock.Now, SMS: e.sms, MaxConcurrentHashes: 2}
		release := auth.HoldHashSlots(e.svc, 2)
		released := false
		defer func() {
			if !released {
				release()
			}
		}()
		for _, ident := range []string{"sysadmin", "nobody"} {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			start := time.Now()
			_, _, err := e.svc.Login(ctx, auth.LoginInput{Identifier: ident, Password: testPassword})
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
				t.Fatalf("%s with every slot taken: %v after %v; want to give up with the context", ident, err, time.Since(start))
			}
		}
		if n := e.audit.count("auth.login", "refused") + e.audit.count("auth.login", "ok"); n != 0 {
			t.Fatalf("%d logins audited that never checked a password", n)
		}
		// A slot that frees up is taken by a waiting login.
		done := make(chan error, 1)
		go func() {
			_, _, err := e.svc.Login(context.Background(), auth.LoginInput{Identifier: "sysadmin", Password: testPassword})
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("login ran with every slot taken: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		release()
		released = true
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("waiting login did not proceed when slots freed up")
		}

		// Every other argon2 path waits in the same queue.
		release = auth.HoldHashSlots(e.svc, 2)
		released = false
		for name, run := range map[string]func(ctx context.Context) error{
			"create user": func(ctx context.Context) error {
				_, err := e.svc.CreateUser(auth.WithPrincipal(ctx, e.principal(e.sysAdmin)), auth.NewUser{Username: "new.staff",
					DisplayName: "新员工", Role: auth.StreetStaff, OrgUnitID: 4, Password: testPassword})
				return err
			},
			"change own password": func(ctx context.Context) error {
				return e.svc.ChangeOwnPassword(auth.WithPrincipal(ctx, e.principal(e.sysAdmin)), testPassword, "Chosen-Pass-22")
			},
			"register": func(ctx context.Context) error {
				_, err := e.svc.RegisterPublic(ctx, "13812341234", "123456", "王五", testPassword, auth.Citizen)
				return err
			},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			err := run(ctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s with every slot taken: %v, want to give up with the context", name, err)
			}
		}
	})
}
