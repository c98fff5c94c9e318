package org

import "strings"

// Kind is the level of a unit in the administrative tree.
type Kind string

// The kinds, from the root down. The free-trade zone (自贸区) and the linked
// innovation zones (联动创新区) sit at district level but are not districts:
// they are "zone", so that approval powers delegated to zones can be told
// apart from those delegated to districts.
const (
	City      Kind = "city"
	District  Kind = "district"
	Zone      Kind = "zone"
	Street    Kind = "street"
	Community Kind = "community"
	Compound  Kind = "compound"
	Building  Kind = "building"
)

type kindInfo struct {
	zh, en  string
	level   int    // depth in the tree: a unit of this kind always sits here
	parents []Kind // kinds it may sit under; none for the root
}

var kinds = map[Kind]kindInfo{
	City:      {"市", "City", 0, nil},
	District:  {"区", "District", 1, []Kind{City}},
	Zone:      {"功能区", "Zone", 1, []Kind{City}},
	Street:    {"街道", "Street", 2, []Kind{District, Zone}},
	Community: {"社区", "Community", 3, []Kind{Street}},
	Compound:  {"小区", "Compound", 4, []Kind{Community}},
	Building:  {"楼栋", "Building", 5, []Kind{Compound}},
}

// Kinds lists every kind from the root down, in the order forms show them.
var Kinds = []Kind{City, District, Zone, Street, Community, Compound, Building}

// Valid tells whether k is one of Kinds.
func (k Kind) Valid() bool { _, ok := kinds[k]; return ok }

// Label is the kind's name in lang ("en" for English, Chinese otherwise).
func (k Kind) Label(lang string) string {
	info, ok := kinds[k]
	if !ok {
		return string(k)
	}
	if strings.HasPrefix(lang, "en") {
		return info.en
	}
	return info.zh
}

// Level is the depth at which units of this kind sit (city 0, building 5).
// Every parent rule goes exactly one level up, so sorting by Level puts
// parents before children — the importer relies on that.
func (k Kind) Level() int { return kinds[k].level }

// Parents lists the kinds a unit of kind k may sit under; nil for the root.
func (k Kind) Parents() []Kind { return kinds[k].parents }

// IsRoot tells whether units of kind k have no parent.
func (k Kind) IsRoot() bool { return k.Valid() && len(kinds[k].parents) == 0 }

// AllowedUnder tells whether a unit of kind k may sit under a unit of kind parent.
func (k Kind) AllowedUnder(parent Kind) bool {
	for _, p := range kinds[k].parents {
		if p == parent {
			return true
		}
	}
	return false
}

// ParseKind reads a kind as people write it in a spreadsheet: the English
// name in any case ("district", "District") or the Chinese label ("区").
func ParseKind(s string) (Kind, bool) {
	s = strings.TrimSpace(s)
	if k := Kind(strings.ToLower(s)); k.Valid() {
		return k, true
	}
	for k, info := range kinds {
		if s == info.zh {
			return k, true
		}
	}
	return "", false
}

// parentLabels is "区或功能区" / "District or Zone": the allowed parents of
// k, for error messages.
func parentLabels(k Kind) (zh, en string) {
	var z, e []string
	for _, p := range k.Parents() {
		z = append(z, p.Label("zh"))
		e = append(e, p.Label("en"))
	}
	return strings.Join(z, "或"), strings.Join(e, " or ")
}
