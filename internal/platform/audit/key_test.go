package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// rehashWithoutKey does what an intruder with write access to the database
// but without the key would: edit a record, then recompute the hash of it
// and of every later record with plain SHA-256 over the (public) encoding,
// re-linking the chain.
func rehashWithoutKey(t *testing.T, d *db.DB, fromPos int64, edit func(r *Row)) {
	t.Helper()
	ctx := context.Background()
	rows, err := page(ctx, d, fromPos-1, 1<<62)
	if err != nil {
		t.Fatal(err)
	}
	prev := rows[0].PrevHash
	for i, r := range rows {
		if i == 0 {
			edit(&r)
		}
		sum := sha256.Sum256(append([]byte(prev), canonical(nil, r, *r.ChainPos)...))
		h := hex.EncodeToString(sum[:])
		exec(t, d, `UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?`, r.Detail, prev, h, r.ID)
		prev = h
	}
}

// Without the key, recomputing the chain after an edit does not help: every
// record from the edited one on fails its HMAC.
func TestVerifyCatchesRehashWithoutKey(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		id := recordN(t, as(staff), d, 6)
		mustSeal(t, d, 6)
		rehashWithoutKey(t, d, 3, func(r *Row) { r.Detail = "nothing happened" })
		rep := mustVerify(t, d)
		if rep.OK || len(rep.Problems) != 4 {
			t.Fatalf("want 4 problems (positions 3 to 6):\n%s", rep)
		}
		for i, p := range rep.Problems {
			if want := fmt.Sprintf("Record %d (position %d) was altered", id[i+2], i+3); !strings.HasPrefix(p, want) {
				t.Errorf("problem %q, want %q", p, want)
			}
		}
		// Seal refuses to extend a chain whose end does not verify.
		recordN(t, as(staff), d, 1)
		if _, err := Seal(context.Background(), d); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("Seal after a keyless rewrite: %v, want ErrKeyMismatch", err)
		}
	})
}

// The whole chain rewritten without the key looks like a wrong key, and the
// report says so in one sentence.
func TestVerifyWrongKey(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		recordN(t, as(staff), d, 5)
		mustSeal(t, d, 5)
		other := &Chain{Key: bytes.Repeat([]byte{0x17}, KeySize)}
		rep, err := other.Verify(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, rep, "None of the 5 records checked matches its hash under this key", other.KeyID())
		if !strings.Contains(rep.String(), "BROKEN") {
			t.Fatalf("report:\n%s", rep)
		}
		recordN(t, as(staff), d, 1)
		if _, err := other.Seal(ctx, d); !errors.Is(err, ErrKeyMismatch) {
			t.Fatalf("Seal with the wrong key: %v, want ErrKeyMismatch", err)
		}
		if _, err := other.Purge(as(auditor), d, MinRetentionDays, time.Now().AddDate(1, 0, 0)); !errors.Is(err, ErrChainBroken) {
			t.Fatalf("Purge with the wrong key: %v, want ErrChainBroken", err)
		}
		if c := count(t, d, "chain_pos IS NOT NULL"); c != 5 {
			t.Fatalf("%d sealed records left, want 5", c)
		}
		for _, c := range []*Chain{nil, {}, {Key: []byte("short")}} {
			if _, err := c.Verify(ctx, d); !errors.Is(err, ErrNoKey) && !errors.Is(err, ErrBadKey) {
				t.Errorf("Verify without a usable key: %v", err)
			}
			if _, err := c.Seal(ctx, d); err == nil {
				t.Error("Seal without a usable key succeeded")
			}
		}
		wantOK(t, mustVerify(t, d), 5)
	})
}

// An anchor inserted by hand — to make the deletion of the oldest records,
// or of the whole chain, look like a lawful purge — is caught, even with a
// fake audit.purge record sealed behind it.
func TestVerifyCatchesForgedAnchor(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		recordN(t, as(staff), d, 8)
		mustSeal(t, d, 8)
		hashAt := func(pos int64) string {
			var h string
			if err := d.QueryRow(ctx, `SELECT hash FROM audit_log WHERE chain_pos = ?`, pos).Scan(&h); err != nil {
				t.Fatal(err)
			}
			return h
		}
		old := time.Now().UTC().AddDate(0, 0, -400)

		// Delete positions 1–3 and anchor at 3, with an old purge time.
		h3 := hashAt(3)
		exec(t, d, `DELETE FROM audit_log WHERE chain_pos <= 3`)
		exec(t, d, `INSERT INTO audit_anchor (chain_pos, hash, purged_before, created_at) VALUES (?, ?, ?, ?)`,
			3, h3, old, old)
		wantProblem(t, mustVerify(t, d), "purge anchor at position 3 is not vouched for")

		// A fake voucher: written as the application would write it, and
		// sealed by the real sealer, but its MAC cannot be right.
		err := RecordAlone(as(auditor), d, Entry{Action: "audit.purge", ObjectType: "audit_log", OrgPath: "/",
			Detail: fmt.Sprintf("removed 3 records; %s purged before %s, mac %s",
				anchorText(link{3, h3}), old.Format(time.RFC3339Nano), strings.Repeat("ab", 32))})
		if err != nil {
			t.Fatal(err)
		}
		mustSeal(t, d, 1)
		wantProblem(t, mustVerify(t, d), "purge anchor at position 3 is not vouched for")

		// An anchor at the end of the chain hides the deletion of every
		// record; a young purge time is a second finding.
		tipHash := hashAt(9)
		exec(t, d, `DELETE FROM audit_log`)
		exec(t, d, `INSERT INTO audit_anchor (chain_pos, hash, purged_before, created_at) VALUES (?, ?, ?, ?)`,
			9, tipHash, time.Now().UTC(), time.Now().UTC())
		rep := mustVerify(t, d)
		if rep.OK || len(rep.Problems) != 2 ||
			!strings.Contains(rep.Problems[0], "records must be kept 180 days") ||
			!strings.Contains(rep.Problems[1], "purge anchor at position 9 is not vouched for") {
			t.Fatalf("want the young purge and the missing voucher:\n%s", rep)
		}
	})
}

// A lawful anchor moved or re-dated by hand no longer matches the MAC in
// its purge record.
func TestVerifyCatchesEditedAnchor(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		id := recordN(t, as(staff), d, 6)
		old := time.Now().UTC().AddDate(0, 0, -300)
		for _, x := range id[:3] {
			exec(t, d, `UPDATE audit_log SET at = ? WHERE id = ?`, old, x)
		}
		mustSeal(t, d, 6)
		if n, err := Purge(as(auditor), d, MinRetentionDays, time.Now()); err != nil || n != 3 {
			t.Fatalf("Purge = %d, %v", n, err)
		}
		wantOK(t, mustVerify(t, d), 4)

		exec(t, d, `UPDATE audit_anchor SET purged_before = ?`, time.Now().UTC().AddDate(0, 0, -200))
		wantProblem(t, mustVerify(t, d), "purge anchor at position 3 is not vouched for")
		exec(t, d, `DELETE FROM audit_anchor`)
		// Without its anchor the purged records show as missing.
		wantProblem(t, mustVerify(t, d), "Chain positions 1 to 3 are missing")

		// Records 4 and 5 deleted and a copy of the anchor moved over them.
		var h5 string
		if err := d.QueryRow(ctx, `SELECT hash FROM audit_log WHERE chain_pos = 5`).Scan(&h5); err != nil {
			t.Fatal(err)
		}
		exec(t, d, `DELETE FROM audit_log WHERE chain_pos IN (4, 5)`)
		exec(t, d, `INSERT INTO audit_anchor (chain_pos, hash, purged_before, created_at) VALUES (?, ?, ?, ?)`,
			5, h5, old, old)
		wantProblem(t, mustVerify(t, d), "purge anchor at position 5 is not vouched for")
	})
}

// Cutting off the newest records leaves a chain that verifies by itself;
// the end recorded by an earlier check exposes the cut.
func TestVerifyExpectation(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		recordN(t, as(staff), d, 6)
		mustSeal(t, d, 6)
		rep := mustVerify(t, d)
		cp := rep.Checkpoint()
		if !strings.HasPrefix(cp, "6:") || !strings.Contains(rep.String(), "--expect "+cp) {
			t.Fatalf("checkpoint %q; report:\n%s", cp, rep)
		}
		exp, err := ParseExpect(cp)
		if err != nil || exp.LastPos != 6 || exp.LastHash != rep.LastHash {
			t.Fatalf("ParseExpect(%q) = %+v, %v", cp, exp, err)
		}
		exp3 := Expect{LastPos: 3}
		if err := d.QueryRow(context.Background(), `SELECT hash FROM audit_log WHERE chain_pos = 3`).Scan(&exp3.LastHash); err != nil {
			t.Fatal(err)
		}
		wantOK(t, verifyAt(t, d, time.Now(), exp), 6)

		exec(t, d, `DELETE FROM audit_log WHERE chain_pos >= 5`)
		wantOK(t, mustVerify(t, d), 4) // undetectable without the recorded end
		wantProblem(t, verifyAt(t, d, time.Now(), exp),
			"The chain ends at position 4, but position 6 with hash "+exp.LastHash, "2 sealed records were deleted")

		// New records fill the positions again: a different hash at 6.
		recordN(t, as(staff), d, 2)
		mustSeal(t, d, 2)
		wantProblem(t, verifyAt(t, d, time.Now(), exp), "at position 6 has hash", "the chain was rewritten")

		// An expectation in the purged part of the chain is a note.
		old := time.Now().AddDate(1, 0, 0)
		if _, err := Purge(as(auditor), d, MinRetentionDays, old); err != nil {
			t.Fatal(err)
		}
		rep = verifyAt(t, d, old, exp3)
		wantOK(t, rep, 1)
		if len(rep.Notes) != 1 || !strings.Contains(rep.String(), "cannot be checked") {
			t.Fatalf("want a note:\n%s", rep)
		}

		for _, bad := range []string{"", "6", "x:" + exp.LastHash, "0:" + exp.LastHash, "6:abc", "6:" + strings.Repeat("g", 64)} {
			if _, err := ParseExpect(bad); err == nil {
				t.Errorf("ParseExpect(%q) accepted", bad)
			}
		}
	})
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "audit.key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created || len(key) != KeySize {
		t.Fatalf("create: %d bytes, created %v, %v", len(key), created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	if d, _ := os.Stat(filepath.Dir(path)); d.Mode().Perm() != 0o700 {
		t.Fatalf("key directory mode %04o, want 0700", d.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if strings.TrimSpace(string(data)) != hex.EncodeToString(key) {
		t.Fatalf("key file holds %q", data)
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("reload: created %v, same %v, %v", created, bytes.Equal(again, key), err)
	}
	if KeyID(key) == KeyID(testKey) || len(KeyID(key)) != 16 {
		t.Fatalf("key ids %s / %s", KeyID(key), KeyID(testKey))
	}

	// Readable (or writable) by other users: refused, never silently fixed.
	for _, mode := range []os.FileMode{0o644, 0o604, 0o602} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadOrCreateKey(path); !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), "other users") {
			t.Errorf("mode %04o: %v, want refusal", mode, err)
		}
	}
	_ = os.Chmod(path, 0o640) // group-readable: a service group may share it

	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	raw := bytes.Repeat([]byte{0x80, 0x01}, KeySize/2)
	for name, c := range map[string]struct {
		data []byte
		ok   bool
	}{
		"hex.key":      {[]byte(strings.Repeat("ab", 32) + "\n"), true},
		"hexlong.key":  {[]byte("  " + strings.Repeat("cd", 48) + "\r\n"), true},
		"raw.key":      {raw, true},
		"short.key":    {[]byte(strings.Repeat("ab", 16) + "\n"), false},
		"rawshort.key": {raw[:31], false},
		"rawlong.key":  {append(raw, 0x80), false},
		"text.key":     {[]byte("correct horse battery staple, a long passphrase\n"), false},
		"zero.key":     {[]byte(strings.Repeat("00", 32)), false},
		"empty.key":    {nil, false},
	} {
		key, created, err := LoadOrCreateKey(write(name, c.data))
		if created {
			t.Errorf("%s: created over an existing file", name)
		}
		if c.ok != (err == nil) {
			t.Errorf("%s: key %x, err %v; want ok=%v", name, key, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			t.Errorf("%s: %v is not ErrBadKey", name, err)
		}
	}
	if _, err := LoadKey(filepath.Join(dir, "missing.key")); err == nil {
		t.Error("LoadKey of a missing file succeeded")
	}
	if err := SetKey([]byte("short")); !errors.Is(err, ErrBadKey) {
		t.Errorf("SetKey(short) = %v", err)
	}
	if got := DefaultKeyFile("/var/lib/anju/anju.db"); got != "/var/lib/anju/anju.db.audit-key" {
		t.Errorf("DefaultKeyFile(sqlite) = %q", got)
	}
	if got := DefaultKeyFile("postgres://u@h/d"); got != "anju-audit.key" {
		t.Errorf("DefaultKeyFile(postgres) = %q", got)
	}
}

// Two processes starting at once on a fresh machine get one key.
func TestKeyFileCreatedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.key")
	keys := make(chan []byte, 8)
	for range cap(keys) {
		go func() {
			k, _, err := LoadOrCreateKey(path)
			if err != nil {
				t.Error(err)
			}
			keys <- k
		}()
	}
	first := <-keys
	for range cap(keys) - 1 {
		if k := <-keys; !bytes.Equal(k, first) {
			t.Fatal("concurrent starts made different keys")
		}
	}
}

// A refused anonymous login is filed under "/"; the city's audit
// administrator (at /1/, the top of the tree) sees it, a district's does not.
func TestCityAuditorSeesAnonymousRecords(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		anon := auth.WithPrincipal(ctx, &auth.Principal{Name: "wangfang", IP: "203.0.113.7"})
		if err := RecordAlone(anon, d, Entry{Action: "auth.login", ObjectType: "user", Result: Refused,
			Detail: "unknown account"}); err != nil {
			t.Fatal(err)
		}
		if err := RecordAlone(as(staff), d, Entry{Action: "petition.create", ObjectType: "petition"}); err != nil {
			t.Fatal(err)
		}
		city := &auth.Principal{UserID: 3, Name: "市审计管理员", Role: auth.AuditAdmin, OrgPath: "/1/"}
		district := &auth.Principal{UserID: 4, Name: "区审计管理员", Role: auth.AuditAdmin, OrgPath: "/1/2/"}

		rows, total, err := List(ctx, d, city, Filter{Action: "auth.login"})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(rows) != 1 || rows[0].OrgPath != "/" || rows[0].Result != Refused || rows[0].ActorID != nil {
			t.Fatalf("city auditor sees %d refused logins: %+v", total, rows)
		}
		login := rows[0].ID
		if _, err := Get(ctx, d, city, login); err != nil {
			t.Fatalf("city auditor Get: %v", err)
		}
		rows, total, err = List(ctx, d, district, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || rows[0].Action != "petition.create" {
			t.Fatalf("district auditor sees %d records: %+v", total, rows)
		}
		if _, err := Get(ctx, d, district, login); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("district auditor Get of the root's record: %v, want ErrNotFound", err)
		}
	})
}
