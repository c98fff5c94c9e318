package org

import "testing"

func TestKinds(t *testing.T) {
	allowed := map[Kind][]Kind{
		City:      nil,
		District:  {City},
		Zone:      {City},
		Street:    {District, Zone},
		Community: {Street},
		Compound:  {Community},
		Building:  {Compound},
	}
	for _, k := range Kinds {
		for _, p := range Kinds {
			want := false
			for _, a := range allowed[k] {
				want = want || a == p
			}
			if got := k.AllowedUnder(p); got != want {
				t.Errorf("%s under %s = %v, want %v", k, p, got, want)
			}
			// The importer orders rows by level: a parent is always one up.
			if k.AllowedUnder(p) && p.Level() != k.Level()-1 {
				t.Errorf("%s (level %d) under %s (level %d)", k, k.Level(), p, p.Level())
			}
		}
	}
	if !City.IsRoot() || Street.IsRoot() || Kind("x").IsRoot() {
		t.Error("IsRoot")
	}
	if Zone.Label("zh") != "功能区" || Zone.Label("en-GB") != "Zone" || Building.Label("") != "楼栋" {
		t.Error("labels")
	}
	for in, want := range map[string]Kind{"区": District, "district": District, " District ": District, "功能区": Zone,
		"ZONE": Zone, "楼栋": Building, "小区": Compound, "社区": Community, "街道": Street, "市": City} {
		if got, ok := ParseKind(in); !ok || got != want {
			t.Errorf("ParseKind(%q) = %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "村", "town", "区县"} {
		if _, ok := ParseKind(in); ok {
			t.Errorf("ParseKind(%q) accepted", in)
		}
	}
}
