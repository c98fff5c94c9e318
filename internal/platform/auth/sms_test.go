package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"anju/internal/platform/auth"
)

func TestSMSCodes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const mobile = "13812341234"

		// Register: one code per minute per number.
		if err := e.svc.SendCode(ctx, "138-1234-1234", auth.PurposeRegister); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(e.sms.sent[0], mobile+" ") {
			t.Fatalf("sent %q", e.sms.sent[0])
		}
		code := e.sms.lastCode(t)
		var hash string
		_ = e.d.QueryRow(ctx, `SELECT code_hash FROM sms_codes WHERE mobile = ?`, mobile).Scan(&hash)
		if len(hash) != 64 || hash == code {
			t.Fatalf("code stored as %q", hash)
		}
		e.clock.Advance(30 * time.Second)
		err := e.svc.SendCode(ctx, mobile, auth.PurposeRegister)
		var rl *auth.RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second {
			t.Fatalf("second code within a minute: %v", err)
		}
		if len(e.sms.sent) != 1 {
			t.Fatal("a rate-limited code was sent")
		}
		if r, _ := e.audit.last("auth.sms_code"); r.Result != "refused" || r.ObjectID != "138****1234" {
			t.Fatalf("rate limit audit %+v", r)
		}
		wantField(t, e.svc.SendCode(ctx, "1234", auth.PurposeLogin), "mobile", "invalid")

		_, err = e.svc.RegisterPublic(ctx, mobile, wrong(code), "王五", testPassword, auth.Citizen)
		wantErr(t, err, auth.ErrCodeInvalid)
		_, err = e.svc.RegisterPublic(ctx, mobile, code, "王五", testPassword, auth.Leader)
		wantField(t, err, "role", "invalid")
		_, err = e.svc.RegisterPublic(ctx, mobile, code, "王五", mobile, auth.Citizen)
		wantField(t, err, "password", "too_few_classes")
		u, err := e.svc.RegisterPublic(ctx, mobile, code, "王五", testPassword, auth.Citizen)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != auth.Citizen || u.Mobile != mobile || u.Username != "" {
			t.Fatalf("registered %+v", u)
		}
		_, err = e.svc.RegisterPublic(ctx, mobile, code, "王五", testPassword, auth.Citizen)
		wantErr(t, err, auth.ErrCodeInvalid) // used once

		// Login by code; wrong entries count, five kill the code.
		e.clock.Advance(31 * time.Second)
		if err := e.svc.SendCode(ctx, mobile, auth.PurposeLogin); err != nil {
			t.Fatal(err)
		}
		code = e.sms.lastCode(t)
		for i := 0; i < 5; i++ {
			_, _, err := e.svc.LoginWithCode(ctx, mobile, wrong(code), "10.0.0.3", "ua")
			wantErr(t, err, auth.ErrCodeInvalid)
		}
		_, _, err = e.svc.LoginWithCode(ctx, mobile, code, "10.0.0.3", "ua")
		wantErr(t, err, auth.ErrCodeInvalid)
		if n := e.audit.count("auth.login", "refused"); n != 6 {
			t.Fatalf("%d refused code logins audited, want 6", n)
		}

		// A register code does not log in; a fresh login code does.
		e.clock.Advance(time.Minute)
		if err := e.svc.SendCode(ctx, mobile, auth.PurposeLogin); err != nil {
			t.Fatal(err)
		}
		code = e.sms.lastCode(t)
		id, p, err := e.svc.LoginWithCode(ctx, mobile, code, "10.0.0.3", "ua")
		if err != nil {
			t.Fatal(err)
		}
		if p.UserID != u.ID || p.Role != auth.Citizen || p.OrgPath != "" {
			t.Fatalf("principal %+v", p)
		}
		if _, err := e.svc.Session(ctx, id, ""); err != nil {
			t.Fatal(err)
		}

		// Codes expire after 5 minutes.
		e.clock.Advance(time.Minute)
		_ = e.svc.SendCode(ctx, mobile, auth.PurposeLogin)
		code = e.sms.lastCode(t)
		e.clock.Advance(5 * time.Minute)
		_, _, err = e.svc.LoginWithCode(ctx, mobile, code, "", "")
		wantErr(t, err, auth.ErrCodeInvalid)

		// A new code replaces the previous one.
		_ = e.svc.SendCode(ctx, mobile, auth.PurposeLogin)
		first := e.sms.lastCode(t)
		e.clock.Advance(time.Minute)
		_ = e.svc.SendCode(ctx, mobile, auth.PurposeLogin)
		second := e.sms.lastCode(t)
		if first != second {
			_, _, err = e.svc.LoginWithCode(ctx, mobile, first, "", "")
			wantErr(t, err, auth.ErrCodeInvalid)
		}
		if _, _, err = e.svc.LoginWithCode(ctx, mobile, second, "", ""); err != nil {
			t.Fatal(err)
		}

		// Staff do not log in by code; numbers without accounts are told so.
		e.create(t, e.as(e.sysAdmin), auth.NewUser{Username: "sun", DisplayName: "孙", Role: auth.CityStaff,
			OrgUnitID: 1, Mobile: "13911112222"})
		for m, want := range map[string]error{"13911112222": auth.ErrNotPublic, "13533334444": auth.ErrNoAccount} {
			if err := e.svc.SendCode(ctx, m, auth.PurposeLogin); err != nil {
				t.Fatal(err)
			}
			_, _, err := e.svc.LoginWithCode(ctx, m, e.sms.lastCode(t), "", "")
			wantErr(t, err, want)
		}
	})
}

func TestSMSDailyLimitAndFailedSend(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const mobile = "13812349999"
		for i := 0; i < 10; i++ {
			if err := e.svc.SendCode(ctx, mobile, auth.PurposeLogin); err != nil {
				t.Fatalf("code %d: %v", i+1, err)
			}
			e.clock.Advance(61 * time.Second)
		}
		err := e.svc.SendCode(ctx, mobile, auth.PurposeLogin)
		wantErr(t, err, auth.ErrRateLimited)

		// A message the gateway did not take does not count against the user.
		e.sms.fail = errors.New("gateway down")
		const other = "13812340000"
		if err := e.svc.SendCode(ctx, other, auth.PurposeLogin); err == nil {
			t.Fatal("send failure not reported")
		}
		e.sms.fail = nil
		if err := e.svc.SendCode(ctx, other, auth.PurposeLogin); err != nil {
			t.Fatalf("retry after a failed send: %v", err)
		}
	})
}

// wrong returns a different 6-digit code.
func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// Parallel wrong codes cannot get more than five comparisons out of one
// code, and parallel requests for codes send one message, not many.
func TestSMSCodesConcurrent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const mobile = "13812345678"
		if _, err := e.svc.CreateUser(e.as(e.sysAdmin), auth.NewUser{Mobile: mobile, DisplayName: "市民",
			Role: auth.Citizen, Password: testPassword}); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		var sent, limited atomic.Int32
		for range 30 {
			wg.Go(func() {
				err := e.svc.SendCode(ctx, mobile, auth.PurposeLogin)
				switch {
				case err == nil:
					sent.Add(1)
				case errors.Is(err, auth.ErrRateLimited):
					limited.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var rows int
		if err := e.d.QueryRow(ctx, `SELECT COUNT(*) FROM sms_codes WHERE mobile = ?`, mobile).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if sent.Load() != 1 || limited.Load() != 29 || rows != 1 || len(e.sms.sent) != 1 {
			t.Fatalf("30 parallel requests: %d sent, %d limited, %d codes stored, %d messages; want 1, 29, 1, 1",
				sent.Load(), limited.Load(), rows, len(e.sms.sent))
		}
		code := e.sms.lastCode(t)

		const guesses = 200
		for i := range guesses {
			wg.Go(func() {
				guess := fmt.Sprintf("%06d", i)
				if guess == code {
					guess = wrong(code)
				}
				_, _, err := e.svc.LoginWithCode(ctx, mobile, guess, "10.0.0.3", "ua")
				if !errors.Is(err, auth.ErrCodeInvalid) {
					t.Errorf("guess %s: %v", guess, err)
				}
			})
		}
		wg.Wait()
		var attempts int
		if err := e.d.QueryRow(ctx, `SELECT attempts FROM sms_codes WHERE mobile = ?`, mobile).Scan(&attempts); err != nil {
			t.Fatal(err)
		}
		if attempts != 5 {
			t.Fatalf("%d parallel wrong codes left attempts = %d, want 5", guesses, attempts)
		}
		if n := e.audit.count("auth.login", "refused"); n != guesses {
			t.Fatalf("%d refused code logins audited, want %d", n, guesses)
		}
		// The code is dead even for the right digits.
		_, _, err := e.svc.LoginWithCode(ctx, mobile, code, "10.0.0.3", "ua")
		wantErr(t, err, auth.ErrCodeInvalid)

		// A fresh code used in parallel logs in once.
		e.clock.Advance(time.Minute)
		if err := e.svc.SendCode(ctx, mobile, auth.PurposeLogin); err != nil {
			t.Fatal(err)
		}
		code = e.sms.lastCode(t)
		var ok atomic.Int32
		for range 20 {
			wg.Go(func() {
				if _, _, err := e.svc.LoginWithCode(ctx, mobile, code, "10.0.0.3", "ua"); err == nil {
					ok.Add(1)
				} else if !errors.Is(err, auth.ErrCodeInvalid) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("one code logged in %d times", ok.Load())
		}
	})
}
