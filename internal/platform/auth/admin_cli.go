package auth

import (
	"context"
	"crypto/rand"
	"math/big"
)

// UserByLogin finds an account by username or mobile number, whatever its
// scope: only command-line administration (which runs as auth.System) uses it.
func (s *Service) UserByLogin(ctx context.Context, login string) (User, error) {
	return loadUserByLogin(ctx, s.DB, login)
}

// GeneratePassword makes a random password that satisfies the default
// policy: 16 characters from lower, upper, digits and symbols, at least one
// of each.
func GeneratePassword() string {
	sets := []string{"abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_.!@#%+"}
	all := sets[0] + sets[1] + sets[2] + sets[3]
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	b := make([]byte, 16)
	for i := range b {
		if i < len(sets) {
			b[i] = pick(sets[i])
		} else {
			b[i] = pick(all)
		}
	}
	// Shuffle so the classes are not always in the first four places.
	for i := len(b) - 1; i > 0; i-- {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		j := n.Int64()
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
