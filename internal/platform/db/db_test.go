package db

import "testing"

func TestRebind(t *testing.T) {
	pg := &DB{Dialect: Postgres}
	lite := &DB{Dialect: SQLite}
	cases := map[string]string{
		`SELECT 1`:                                      `SELECT 1`,
		`SELECT * FROM t WHERE a = ? AND b = ?`:         `SELECT * FROM t WHERE a = $1 AND b = $2`,
		`SELECT '?' , ? FROM t WHERE c LIKE 'a?b' OR ?`: `SELECT '?' , $1 FROM t WHERE c LIKE 'a?b' OR $2`,
		`INSERT INTO t VALUES (?, ?, ?) RETURNING id`:   `INSERT INTO t VALUES ($1, $2, $3) RETURNING id`,
	}
	for in, want := range cases {
		if got := pg.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := pg.Rebind(in); got != want { // cached
			t.Errorf("cached Rebind(%q) = %q", in, got)
		}
		if got := lite.Rebind(in); got != in {
			t.Errorf("SQLite must keep ?: %q", got)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"postgres://anju:s3cret@db:5432/anju":     "postgres://anju:xxxxx@db:5432/anju",
		"postgres://anju@db/anju?sslmode=disable": "postgres://anju@db/anju?sslmode=disable",
		"/var/lib/anju/anju.db":                   "/var/lib/anju/anju.db",
		"postgresql://u:p%40ss@h/d":               "postgresql://u:xxxxx@h/d",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRebind(f *testing.F) {
	f.Add(`SELECT ? FROM t WHERE a = '?'`)
	f.Fuzz(func(t *testing.T, q string) {
		out := (&DB{Dialect: Postgres}).Rebind(q)
		if len(out) < len(q) {
			t.Fatalf("rebinding shortened the query: %q → %q", q, out)
		}
	})
}

func TestSplitPassword(t *testing.T) {
	for in, want := range map[string][2]string{
		"postgres://u:pw@h/d":              {"postgres://u@h/d", "pw"},
		"postgres://u@h/d?password=pw&x=1": {"postgres://u@h/d?x=1", "pw"},
		"postgres://u@h/d":                 {"postgres://u@h/d", ""},
	} {
		clean, pw := SplitPassword(in)
		if clean != want[0] || pw != want[1] {
			t.Errorf("SplitPassword(%q) = %q, %q", in, clean, pw)
		}
	}
}
