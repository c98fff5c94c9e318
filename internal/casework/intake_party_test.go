package casework

import (
	"fmt"
	"testing"
)

// Two writers never hold cases of one party at once: take leaves the
// cases whose phone or account is in a group being written, in order, and
// done lets them go.
func TestTakeLeavesHeldParties(t *testing.T) {
	mk := func(name, phone string, user int64) *newCase {
		c := &Case{Title: name, PartyPhone: phone, PartyUserID: user}
		return &newCase{c: c, parties: partyKeys(c)}
	}
	names := func(ns []*newCase) string {
		var out []string
		for _, n := range ns {
			out = append(out, n.c.Title)
		}
		return fmt.Sprint(out)
	}
	var g groupCommit
	g.queue = []*newCase{mk("a", "139", 0), mk("b", "138", 0), mk("c", "139", 0), mk("d", "", 0), mk("e", "", 7), mk("f", "137", 7)}
	first := g.take()
	if got := names(first); got != "[a b c d e f]" || len(g.queue) != 0 {
		t.Fatalf("first group %s, left %s", got, names(g.queue))
	}
	g.queue = append(g.queue, mk("g", "139", 0), mk("h", "136", 0), mk("i", "", 7), mk("j", "", 0), mk("k", "137", 0))
	if got := names(g.take()); got != "[h j]" {
		t.Errorf("second group while the first is written: %s", got)
	}
	if got := names(g.queue); got != "[g i k]" {
		t.Errorf("left: %s", got)
	}
	g.done(first)
	if got := names(g.take()); got != "[g i k]" {
		t.Errorf("after the first: %s", got)
	}
	// A full group leaves the rest in order.
	g.parties = nil
	g.queue = nil
	for i := range maxGroup + 3 {
		g.queue = append(g.queue, mk(fmt.Sprint(i), "", 0))
	}
	if got := g.take(); len(got) != maxGroup || names(g.queue) != fmt.Sprint([]int{maxGroup, maxGroup + 1, maxGroup + 2}) {
		t.Errorf("a full group: %d, left %s", len(got), names(g.queue))
	}
}
