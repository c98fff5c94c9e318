package property

import (
	"strings"
	"testing"
)

// TestCreditCode checks GB 32100-2015 on real published codes, then on every
// single-character change and every swap of neighbours: the check character
// catches them all (the weights are distinct and non-zero mod 31, which is
// prime).
func TestCreditCode(t *testing.T) {
	for _, rc := range realCodes {
		if !ValidCreditCode(rc.code) {
			c, _ := CreditCheckChar(rc.code[:17])
			t.Errorf("%s (%s) rejected; check character computed %c", rc.code, rc.name, c)
		}
		if got := NormalizeCreditCode(" " + strings.ToLower(rc.code[:9]) + " " + rc.code[9:] + "\t"); got != rc.code {
			t.Errorf("normalise %s: %q", rc.code, got)
		}
		for i := 0; i < 18; i++ {
			for _, c := range []byte(creditChars) {
				if c == rc.code[i] {
					continue
				}
				altered := rc.code[:i] + string(c) + rc.code[i+1:]
				if ValidCreditCode(altered) {
					t.Errorf("%s with position %d changed to %c passes", rc.code, i+1, c)
				}
			}
		}
		for i := 0; i < 16; i++ {
			if rc.code[i] == rc.code[i+1] {
				continue
			}
			swapped := rc.code[:i] + string(rc.code[i+1]) + string(rc.code[i]) + rc.code[i+2:]
			if ValidCreditCode(swapped) {
				t.Errorf("%s with positions %d and %d swapped passes", rc.code, i+1, i+2)
			}
		}
	}
	for _, bad := range []struct{ code, why string }{
		{"", "length"},
		{"91440300708461136", "length"},
		{"91440300708461136TT", "length"},
		{"91440300708461136I", "chars"}, // I is not used
		{"9144030070846113OT", "chars"}, // O is not used
		{"91440300708461136t", "chars"}, // lower case: normalise first
		{"91440300708461136U", "check"},
	} {
		if got := checkCreditCode(bad.code); got != bad.why {
			t.Errorf("checkCreditCode(%q) = %q, want %q", bad.code, got, bad.why)
		}
	}
	// The error a form shows.
	if e := creditCodeError("credit_code", "91440300708461136U"); e == nil || e.code != "check" {
		t.Errorf("creditCodeError = %v", e)
	}
}
