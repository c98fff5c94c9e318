package db

import (
	"errors"
	"strings"
)

// The few places where SQLite and PostgreSQL SQL differ are named here, so
// store files stay portable.

// ILike is the case-insensitive LIKE operator of the dialect.
func (d Dialect) ILike() string {
	if d == Postgres {
		return "ILIKE"
	}
	return "LIKE" // SQLite's LIKE ignores ASCII case already
}

// ErrNotFound is returned by stores for a missing row, or for a row outside
// the caller's scope (the two must look the same to the caller).
var ErrNotFound = errors.New("not found")

// IsUniqueViolation tells whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // SQLite
		strings.Contains(s, "SQLSTATE 23505") // PostgreSQL
}

// IsRetryable tells whether err ended a transaction that may simply be run
// again: a PostgreSQL serialization failure or deadlock (in repeatable-read
// transactions a concurrent writer got there first), or a unique violation
// from such a race.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 40001") || strings.Contains(s, "SQLSTATE 40P01") || IsUniqueViolation(err)
}

// EscapeLike escapes % and _ so user text matches literally in LIKE; use it
// with `ESCAPE '\'`.
func EscapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
