package parking

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// RandomFacility makes a plausible facility at a random place within
// spread degrees of (lat, lng), with random hours, tariff and sharing rules
// — for the search oracle's tests, the benchmarks and bulk demo data. Same
// stream, same facility.
func RandomFacility(r *rand.Rand, id int64, lat, lng, spread float64) Facility {
	kind := Kinds[r.IntN(len(Kinds))]
	total := 20 + r.IntN(400)
	f := Facility{ID: id, OrgUnitID: 1, OrgPath: "/1/", Code: fmt.Sprintf("P%07d", id), Name: fmt.Sprintf("停车场 %d", id),
		Kind: kind, Operator: "运营公司", Ownership: Ownerships[r.IntN(len(Ownerships))], Address: fmt.Sprintf("测试路 %d 号", id),
		Lat: lat + (r.Float64()*2-1)*spread, Lng: lng + (r.Float64()*2-1)*spread, TotalSpaces: total,
		VehicleClass: AnyVehicles, Status: Open, Version: 1}
	if r.IntN(5) == 0 {
		f.VehicleClass = SmallCars
	}
	if r.IntN(4) == 0 {
		f.MaxHeightCM = 190 + 10*r.IntN(5)
	}
	if r.IntN(30) == 0 {
		f.Status = Suspended
	}
	f.EVSpaces = r.IntN(total/5 + 1)
	f.AccessibleSpaces = r.IntN(4)
	f.Tariff = Tariff{FreeMinutes: 15 * r.IntN(3), HourCents: int64(100 * (1 + r.IntN(10))),
		DayCapCents: int64(1000 * r.IntN(6)), NightHourCents: int64(100 * r.IntN(3)),
		NightFrom: 15 * (80 + r.IntN(8)), NightUntil: 15 * (24 + r.IntN(12))}
	switch r.IntN(3) {
	case 0:
		f.Hours = Hours{Always: true}
	default:
		f.Hours = Hours{Opens: 15 * r.IntN(96), Closes: 15 * r.IntN(96)}
		if f.Hours.Opens == f.Hours.Closes {
			f.Hours.Closes = (f.Hours.Opens + 600) % 1440
		}
	}
	switch kind {
	case PublicLot, OnStreet, Commercial:
		f.PublicSpaces = total
		if r.IntN(4) == 0 {
			f.PublicSpaces = total / 2
		}
	case PublicBuilding, Compound:
		f.PublicSpaces = r.IntN(3) * 5
		for range 1 + r.IntN(3) {
			f.Rules = append(f.Rules, RandomRule(r, total))
		}
	}
	f.ReservableSpaces = r.IntN(f.PublicSpaces/4 + 6)
	if r.IntN(8) == 0 {
		starts := time.Date(2026, 9, 25+r.IntN(20), r.IntN(24), 0, 0, 0, time.UTC)
		su := Suspension{ID: id, Starts: starts, Reason: "检修", NoticedAt: starts.Add(-48 * time.Hour)}
		if r.IntN(3) > 0 {
			su.Ends = starts.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		}
		f.Suspensions = append(f.Suspensions, su)
	}
	return f
}

// RandomRule makes a valid random sharing rule for a facility of total spaces.
func RandomRule(r *rand.Rand, total int) Rule {
	ef := 15 * r.IntN(96)
	eu := ef + 15*r.IntN(60)
	lb := eu + 15*(1+r.IntN(60))
	if lb > 2880 {
		lb = 2880
	}
	if eu > lb {
		eu = lb
	}
	rule := Rule{Name: fmt.Sprintf("规则%d", r.IntN(1000)), Days: uint8(1 + r.IntN(7)), EntryFrom: ef, EntryUntil: eu,
		LeaveBy: lb, BlackoutFrom: -1, BlackoutUntil: -1, Spaces: 1 + r.IntN(total), VehicleClass: SmallCars, Eligibility: Anyone}
	if r.IntN(2) == 0 {
		rule.BlackoutFrom = 15 * r.IntN(96)
		rule.BlackoutUntil = rule.BlackoutFrom + 15*(1+r.IntN(40))
	}
	if r.IntN(3) == 0 {
		rule.VehicleClass = AnyVehicles
	}
	if r.IntN(4) == 0 {
		rule.Eligibility = Registered
	}
	return rule
}

// RandomProfile makes a plausible weekly profile: fuller by day, with gaps.
func RandomProfile(r *rand.Rand) *Profile {
	var p Profile
	for i := range p {
		h := i % 24
		base := 180
		if h >= 8 && h < 19 {
			base = 60
		}
		p[i] = uint8(max(0, min(250, base+r.IntN(70)-35)))
		if r.IntN(20) == 0 {
			p[i] = profileUnknown
		}
	}
	return &p
}
