package auth

import (
	"regexp"
	"strings"
	"testing"
)

func TestHashPasswordFormat(t *testing.T) {
	h, err := HashPassword("Correct-Horse-9")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not the expected PHC string", h)
	}
	if ok, err := CheckPassword(h, "Correct-Horse-9"); err != nil || !ok {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	if ok, _ := CheckPassword(h, "Correct-Horse-8"); ok {
		t.Fatal("wrong password matched")
	}
	h2, _ := HashPassword("Correct-Horse-9")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if NeedsRehash(h) {
		t.Fatal("a current hash needs no rehash")
	}
}

// Parameters are read back from the string: a hash made with other (older,
// weaker) parameters still verifies, and is flagged for rehashing.
func TestCheckPasswordReadsParameters(t *testing.T) {
	old := encodeHash(argonParams{memory: 8192, time: 1, threads: 2}, []byte("0123456789abcdef"), "pw-old-1A")
	if !strings.Contains(old, "m=8192,t=1,p=2") {
		t.Fatalf("unexpected encoding %q", old)
	}
	if ok, err := CheckPassword(old, "pw-old-1A"); err != nil || !ok {
		t.Fatalf("old-parameter hash: ok=%v err=%v", ok, err)
	}
	if !NeedsRehash(old) {
		t.Fatal("weaker parameters should need a rehash")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("x")
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=19456,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=19456,t=2,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=2,p=1$" + parts[4] + "$" + parts[5], // would allocate ~100 GB
		"$argon2id$v=19$m=19456,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=19456,t=2,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=19456,t=2,p=1$" + parts[4] + "$",
	} {
		if ok, err := CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("Anju-Bench-2026"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPassword is what one login costs in CPU and memory.
func BenchmarkCheckPassword(b *testing.B) {
	h, _ := HashPassword("Anju-Bench-2026")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := CheckPassword(h, "Anju-Bench-2026"); !ok {
			b.Fatal("no match")
		}
	}
}
