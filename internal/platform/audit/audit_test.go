package audit

import (
	"context"
	"errors"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func TestRecordSealVerify(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		before := time.Now().UTC().Add(-time.Second)
		entries := []struct {
			ctx context.Context
			e   Entry
		}{
			{context.Background(), Entry{Action: "auth.login", ObjectType: "user", ObjectID: "wangfang",
				Result: Refused, Detail: "wrong password"}},
			{as(staff), Entry{Action: "petition.assign", ObjectType: "petition", ObjectID: "XF2026-0001",
				Detail: "转交 街道办"}},
			{as(auth.System("sweeper")), Entry{Action: "petition.escalate", ObjectType: "petition",
				ObjectID: "XF2026-0002", Result: Failed, OrgPath: "/1/3/"}},
		}
		for _, x := range entries {
			if err := RecordAlone(x.ctx, d, x.e); err != nil {
				t.Fatal(err)
			}
		}

		rows, total, err := List(context.Background(), d, auth.System("test"), Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(rows) != 3 {
			t.Fatalf("got %d of %d rows, want 3", len(rows), total)
		}
		byAction := map[string]Row{}
		for _, r := range rows {
			byAction[r.Action] = r
			if r.At.Before(before) || r.At.After(time.Now().Add(time.Second)) || r.At.Location() != time.UTC {
				t.Errorf("%s: at = %v, want UTC now", r.Action, r.At)
			}
			if r.Sealed() || r.Hash != "" {
				t.Errorf("%s: sealed before Seal ran", r.Action)
			}
		}
		if r := byAction["auth.login"]; r.ActorName != "anonymous" || r.ActorID != nil || r.OrgPath != "/" || r.Result != Refused {
			t.Errorf("anonymous entry stored as %+v", r)
		}
		if r := byAction["petition.assign"]; r.ActorName != "王芳" || r.ActorID == nil || *r.ActorID != 7 ||
			r.ActorRole != "district_staff" || r.IP != "10.0.0.5" || r.OrgPath != "/1/2/" || r.Result != OK {
			t.Errorf("staff entry stored as %+v", r)
		}
		if r := byAction["petition.escalate"]; r.ActorName != "sweeper" || r.ActorID != nil || r.OrgPath != "/1/3/" {
			t.Errorf("system entry stored as %+v", r)
		}

		rep := mustVerify(t, d)
		wantOK(t, rep, 0)
		if rep.Unsealed != 3 || rep.OldestUnsealedID == 0 || rep.OldestUnsealed.Before(before) {
			t.Fatalf("unsealed = %d, oldest %d at %v; want 3 recent", rep.Unsealed, rep.OldestUnsealedID, rep.OldestUnsealed)
		}

		mustSeal(t, d, 3)
		mustSeal(t, d, 0)
		rep = mustVerify(t, d)
		wantOK(t, rep, 3)
		if rep.Unsealed != 0 || rep.Last != 3 || len(rep.LastHash) != 64 {
			t.Fatalf("after sealing: %+v", rep)
		}

		recordN(t, as(staff), d, 2)
		mustSeal(t, d, 2)
		wantOK(t, mustVerify(t, d), 5)

		// The chain starts from 64 zeros and runs 1..5 in id order.
		rows, _, _ = List(context.Background(), d, auth.System("test"), Filter{})
		prev := genesisHash
		for i := len(rows) - 1; i >= 0; i-- {
			r := rows[i]
			if r.ChainPos == nil || *r.ChainPos != int64(len(rows)-i) || r.PrevHash != prev {
				t.Fatalf("record %d: position %v, prev_hash %s; want %d after %s", r.ID, r.ChainPos, r.PrevHash, len(rows)-i, prev)
			}
			prev = r.Hash
		}
	})
}

func TestRecordRejectsBadEntries(t *testing.T) {
	d := dbtest.SQLite(t, sources...)
	ctx := as(staff)
	for _, e := range []Entry{
		{},
		{Action: "x", Result: "maybe"},
		{Action: "x", OrgPath: "/1/2"},
		{Action: "x", OrgPath: "1/2/"},
	} {
		if err := RecordAlone(ctx, d, e); err == nil {
			t.Errorf("%+v was recorded", e)
		}
	}
	if n := count(t, d, "1 = 1"); n != 0 {
		t.Fatalf("%d rows written", n)
	}
}

func TestActorName(t *testing.T) {
	for _, c := range []struct {
		p    *auth.Principal
		want string
	}{
		{&auth.Principal{}, "anonymous"},
		{&auth.Principal{UserID: 3}, "user #3"},
		{&auth.Principal{UserID: 3, Name: "李雷"}, "李雷"},
		{&auth.Principal{TokenID: 9, Name: "停车场 A", Role: auth.Machine}, "停车场 A (token #9)"},
		{&auth.Principal{TokenID: 9, Role: auth.Machine}, "token #9"},
		{auth.System("sweeper"), "sweeper"},
	} {
		if got := actorName(c.p); got != c.want {
			t.Errorf("actorName(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestRolledBackRecordLeavesNothing(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := as(staff)
		boom := errors.New("business rule failed")
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for range 3 {
				if err := Record(ctx, tx, Entry{Action: "petition.create", ObjectType: "petition"}); err != nil {
					return err
				}
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx returned %v", err)
		}
		if n := count(t, d, "1 = 1"); n != 0 {
			t.Fatalf("%d audit rows survived the rollback", n)
		}
		mustSeal(t, d, 0)
		rep := mustVerify(t, d)
		wantOK(t, rep, 0)
		if rep.Unsealed != 0 {
			t.Fatalf("unsealed = %d", rep.Unsealed)
		}
	})
}
