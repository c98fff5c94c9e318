package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"anju/internal/platform/db"
)

// KeySize is the length of the chain key in bytes. Key files hold it as 64
// hex digits (what LoadOrCreateKey writes) or as 32 raw bytes.
const KeySize = 32

var (
	// ErrNoKey is returned by the package-level Seal, Verify and Purge
	// before SetKey, and by a Chain without a key. There is no fallback
	// key: a chain anyone can recompute proves nothing.
	ErrNoKey = errors.New("audit: no chain key configured (audit.SetKey / Chain.Key)")
	// ErrBadKey is returned for a key or key file that must not be used.
	ErrBadKey = errors.New("audit: unusable chain key")
)

// Chain is the audit hash chain under one secret key. Every link is an
// HMAC-SHA256 keyed with Key, which is kept outside the database (a file
// readable by the service only): someone who can write to the database but
// does not hold the key cannot recompute the chain after editing or
// deleting records, nor forge a purge anchor.
//
// The zero Chain has no key and refuses to work (ErrNoKey).
type Chain struct {
	Key []byte

	now func() time.Time // tests move the clock; default time.Now
}

// NewChain checks key and returns the chain it keys.
func NewChain(key []byte) (*Chain, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return &Chain{Key: key}, nil
}

// ready tells whether c can seal and verify.
func (c *Chain) ready() error {
	if c == nil || len(c.Key) == 0 {
		return ErrNoKey
	}
	return checkKey(c.Key)
}

func (c *Chain) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// KeyID names the key without revealing it: 16 hex digits of an HMAC of a
// fixed text. Verify reports it and the app may log it at start, so an
// operator can tell which key a check used.
func (c *Chain) KeyID() string {
	if c == nil || len(c.Key) == 0 {
		return "none"
	}
	return KeyID(c.Key)
}

// KeyID names key without revealing it (see Chain.KeyID).
func KeyID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(chainVersion + " key id"))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

func checkKey(key []byte) error {
	if len(key) < KeySize {
		return fmt.Errorf("%w: %d bytes, at least %d required", ErrBadKey, len(key), KeySize)
	}
	var or byte
	for _, b := range key {
		or |= b
	}
	if or == 0 {
		return fmt.Errorf("%w: all zero", ErrBadKey)
	}
	return nil
}

// The chain the package-level functions use, set once at start by SetKey.
var defaultChain atomic.Pointer[Chain]

// SetKey makes key the key of the package-level Seal, Verify, Purge and
// RunSealer, and of a Handler without a Chain of its own.
func SetKey(key []byte) error {
	c, err := NewChain(key)
	if err != nil {
		return err
	}
	defaultChain.Store(c)
	return nil
}

// Default returns the chain SetKey configured, or a chain without a key
// (whose methods answer ErrNoKey).
func Default() *Chain {
	if c := defaultChain.Load(); c != nil {
		return c
	}
	return &Chain{}
}

// Seal links the unsealed records with the key given to SetKey.
func Seal(ctx context.Context, d *db.DB) (int, error) { return Default().Seal(ctx, d) }

// Verify checks the chain with the key given to SetKey.
func Verify(ctx context.Context, d *db.DB, expect ...Expect) (Report, error) {
	return Default().Verify(ctx, d, expect...)
}

// Purge removes old records with the key given to SetKey.
func Purge(ctx context.Context, d *db.DB, retentionDays int, now time.Time) (int, error) {
	return Default().Purge(ctx, d, retentionDays, now)
}

// RunSealer seals periodically with the key given to SetKey.
func RunSealer(ctx context.Context, d *db.DB, every time.Duration) {
	Default().RunSealer(ctx, d, every)
}

// DefaultKeyFile is where the chain key lives when the configuration names
// no file: beside a SQLite database ("anju.db" → "anju.db.audit-key"), or
// "anju-audit.key" in the working directory for PostgreSQL. Either way the
// key is outside the database, but a production server should name a file
// that the database's administrators cannot read.
func DefaultKeyFile(dbTarget string) string {
	if db.IsPostgresURL(dbTarget) {
		return "anju-audit.key"
	}
	return dbTarget + ".audit-key"
}

// LoadKey reads the chain key from path: 64 or more hex digits (surrounding
// white space ignored) or exactly KeySize raw bytes. It refuses a file that
// other users of the machine may read or write, and a short key.
func LoadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadKey, path)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("%w: %s is accessible to other users (mode %04o); run chmod 600 %s",
			ErrBadKey, path, st.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", path, err)
	}
	key, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ParseKey reads a key as stored in a key file or an environment variable:
// text must be hex (64 digits or more), anything else exactly KeySize raw
// bytes.
func ParseKey(data []byte) ([]byte, error) {
	text := true
	for _, b := range data {
		if (b < 0x20 || b > 0x7e) && b != '\n' && b != '\r' && b != '\t' {
			text = false
			break
		}
	}
	var key []byte
	if text {
		k, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil {
			return nil, fmt.Errorf("%w: a key in text must be hex digits", ErrBadKey)
		}
		key = k
	} else {
		if len(data) != KeySize {
			return nil, fmt.Errorf("%w: a raw key must be exactly %d bytes, not %d", ErrBadKey, KeySize, len(data))
		}
		key = append([]byte(nil), data...)
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return key, nil
}

// LoadOrCreateKey reads the key at path (LoadKey), or, when there is no
// file, makes a random key and writes it there as hex, readable by the
// owner only (0600; a missing directory is made 0700). created tells which
// happened, so the caller can tell the operator to back the file up: without
// it the chain cannot be verified.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
	}
	// The key is written to a temporary file and linked into place, which
	// fails if the name exists: of two processes starting at once, one
	// creates the key and the other reads it, never a half-written file.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".audit-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return nil, false, fmt.Errorf("audit key: write %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			key, err := LoadKey(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	return key, true, nil
}
