package auth

import (
	"strings"
	"testing"
)

// ScopeSQL's range must hold exactly the paths InScope accepts.
func TestScopeRangeMatchesPrefix(t *testing.T) {
	paths := []string{"/1/", "/1/2/", "/1/2/3/", "/1/20/", "/1/2/30/4/", "/1/3/", "/10/", "/2/", "/1/29/", "/1/2"}
	for _, scope := range []string{"/1/2/", "/1/2/3/", "/1/29/"} {
		p := &Principal{OrgPath: scope}
		frag, args := p.ScopeSQL("org_path")
		if !strings.Contains(frag, ">=") || len(args) != 2 {
			t.Fatalf("unexpected fragment %q %v", frag, args)
		}
		lo, hi := args[0].(string), args[1].(string)
		for _, path := range paths {
			inRange := path >= lo && path < hi
			if inRange != p.InScope(path) || inRange != strings.HasPrefix(path, scope) {
				t.Errorf("scope %s, path %s: range %v, InScope %v", scope, path, inRange, p.InScope(path))
			}
		}
	}
	if frag, _ := (&Principal{}).ScopeSQL("x"); frag != "1 = 0" {
		t.Errorf("no scope must match nothing, got %q", frag)
	}
	// The city at the top sees everything, including rows filed under "/".
	for _, root := range []string{"/", "/1/"} {
		p := &Principal{OrgPath: root}
		if frag, _ := p.ScopeSQL("x"); frag != "1 = 1" || !p.InScope("/") || !p.InScope("/1/2/") {
			t.Errorf("root scope %s must match everything, got %q", root, frag)
		}
	}
	if (&Principal{OrgPath: "/1/2/"}).InScope("/") {
		t.Error("a district must not see rows filed under the root")
	}
}
