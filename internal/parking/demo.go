package parking

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"anju/internal/demo"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

var registerOnce sync.Once

// RegisterDemo adds the parking step to the demo generator (once).
func RegisterDemo() {
	registerOnce.Do(func() { demo.Register(demo.Step{Name: "parking", Run: demoStep}) })
}

// demoStep fills the demo city's parking: public lots, on-street spaces and
// commercial car parks in every district; public buildings that share their
// car parks on working-day nights and on rest days and holidays; compounds
// that share spaces by day; supply projects in every stage (the opened ones
// with their facilities); a week of hourly occupancy history and a fresh
// count for every facility; and some reservations of the demo citizens.
// History and counts are relative to the hour the demo runs, so the city
// looks live when it is served.
func demoStep(ctx context.Context, env *demo.Env, r *rand.Rand) error {
	c := env.City
	if c == nil {
		return fmt.Errorf("parking demo: no city")
	}
	s := NewService(env.DB, workday.New(workday.Builtin()...), shanghaiLoc())
	p := auth.System("demo")
	streetsOf := map[int64][]demo.Node{}
	for _, st := range c.Streets {
		streetsOf[st.ParentID] = append(streetsOf[st.ParentID], st)
	}
	bar := env.Bar("停车 parking", len(c.Districts)+3)
	var fs []Facility
	add := func(f Facility, rules []Rule) error {
		f.Status, f.VehicleClass = Open, orVehicle(f.VehicleClass)
		out, err := s.Create(ctx, p, f)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if len(rules) > 0 {
			if _, err := s.SetRules(ctx, p, out.ID, rules); err != nil {
				return fmt.Errorf("%s rules: %w", f.Name, err)
			}
			out.Rules = rules
		}
		fs = append(fs, out)
		return nil
	}
	n := 0
	for di, d := range c.Districts {
		streets := streetsOf[d.ID]
		if len(streets) == 0 {
			continue
		}
		short := strings.TrimSuffix(strings.TrimSuffix(d.Name, "区"), "自贸")
		for k := range 3 + r.IntN(2) {
			st := streets[r.IntN(len(streets))]
			lat, lng := jitter(r, st.Lat, st.Lng, 0.004)
			total := 60 + 20*r.IntN(10)
			n++
			f := Facility{OrgUnitID: st.ID, Code: fmt.Sprintf("P%02d%02d", di+1, k+1), Name: fmt.Sprintf("%s%s公共停车场", st.Name, []string{"东", "西", "南", "北", "中心"}[k%5]),
				Kind: PublicLot, Operator: short + "城投停车管理有限公司", Ownership: []Ownership{Government, StateOwned, Private}[r.IntN(3)],
				Address: fmt.Sprintf("%s%s路%d号", d.Name, strings.TrimSuffix(st.Name, "街道"), 10+r.IntN(300)), Lat: lat, Lng: lng,
				TotalSpaces: total, PublicSpaces: total, ReservableSpaces: total / 5, EVSpaces: total / 10, AccessibleSpaces: 2 + r.IntN(3),
				Hours:  Hours{Always: k%2 == 0, Opens: 6 * 60, Closes: 23 * 60},
				Tariff: Tariff{FreeMinutes: 15, HourCents: int64(200 + 100*r.IntN(4)), DayCapCents: int64(2000 + 1000*r.IntN(3)), NightHourCents: 100, NightFrom: 20 * 60, NightUntil: 8 * 60}}
			if err := add(f, nil); err != nil {
				return err
			}
		}
		// On-street spaces and a commercial car park.
		st := streets[r.IntN(len(streets))]
		lat, lng := jitter(r, st.Lat, st.Lng, 0.004)
		if err := add(Facility{OrgUnitID: st.ID, Code: fmt.Sprintf("S%02d01", di+1), Name: st.Name + "路内泊位", Kind: OnStreet,
			Operator: short + "智慧停车公司", Ownership: StateOwned, Address: d.Name + st.Name + "沿街", Lat: lat, Lng: lng,
			TotalSpaces: 40, PublicSpaces: 40, ReservableSpaces: 0, Hours: Hours{Opens: 7 * 60, Closes: 21 * 60},
			Tariff: Tariff{FreeMinutes: 15, HourCents: 400, NightFrom: 0, NightUntil: 0}}, nil); err != nil {
			return err
		}
		lat, lng = jitter(r, d.Lat, d.Lng, 0.01)
		if err := add(Facility{OrgUnitID: d.ID, Code: fmt.Sprintf("C%02d01", di+1), Name: short + "万象汇地下停车场", Kind: Commercial,
			Operator: "万象商业管理公司", Ownership: Private, Address: d.Name + "中心商圈", Lat: lat, Lng: lng, TotalSpaces: 600,
			PublicSpaces: 600, ReservableSpaces: 60, EVSpaces: 80, AccessibleSpaces: 10, MaxHeightCM: 210, Hours: Hours{Opens: 8 * 60, Closes: 24 * 60 % 1440},
			Tariff: Tariff{FreeMinutes: 30, HourCents: 600, DayCapCents: 6000, NightHourCents: 300, NightFrom: 22 * 60, NightUntil: 8 * 60}}, nil); err != nil {
			return err
		}
		// Public buildings sharing (错时开放): working-day nights and rest days.
		for k, who := range []string{"区政务服务中心", "区住建局机关"} {
			st := streets[(k+1)%len(streets)]
			lat, lng := jitter(r, st.Lat, st.Lng, 0.003)
			total := 120 + 40*r.IntN(4)
			nights := Rule{Name: "工作日夜间", Days: WorkingDay, EntryFrom: 17*60 + 30, EntryUntil: 21*60 + 30, LeaveBy: 1440 + 8*60,
				BlackoutFrom: 22 * 60, BlackoutUntil: 1440 + 6*60, Spaces: total * 2 / 3, VehicleClass: SmallCars, Eligibility: Anyone}
			restdays := Rule{Name: "双休日及节假日", Days: RestDay | HolidayDay, EntryFrom: 7 * 60, EntryUntil: 20 * 60, LeaveBy: 22 * 60,
				BlackoutFrom: -1, BlackoutUntil: -1, Spaces: total * 3 / 4, VehicleClass: SmallCars, Eligibility: Anyone}
			if k == 1 {
				nights.Eligibility = Registered
			}
			if err := add(Facility{OrgUnitID: st.ID, Code: fmt.Sprintf("G%02d%02d", di+1, k+1), Name: short + who + "停车场（错时开放）",
				Kind: PublicBuilding, Operator: d.Name + "机关事务管理局", Ownership: Government, Address: d.Name + st.Name + "政务路1号",
				Lat: lat, Lng: lng, TotalSpaces: total, PublicSpaces: 0, ReservableSpaces: total / 3, EVSpaces: 6, AccessibleSpaces: 2,
				Hours: Hours{Always: true}, Tariff: Tariff{FreeMinutes: 30, HourCents: 200, DayCapCents: 1000, NightHourCents: 100, NightFrom: 20 * 60, NightUntil: 8 * 60}},
				[]Rule{nights, restdays}); err != nil {
				return err
			}
		}
		bar.Add(1)
	}
	// Compounds sharing spaces by day (their residents drive to work).
	for i := 0; i < len(c.Compounds); i += 9 {
		cp := c.Compounds[i]
		total := 80 + 20*r.IntN(8)
		day := Rule{Name: "工作日白天", Days: WorkingDay, EntryFrom: 8 * 60, EntryUntil: 15 * 60, LeaveBy: 17*60 + 30,
			BlackoutFrom: -1, BlackoutUntil: -1, Spaces: total / 4, VehicleClass: SmallCars, Eligibility: Anyone}
		if r.IntN(4) == 0 {
			day.Eligibility = Registered
		}
		if err := add(Facility{OrgUnitID: cp.ID, Code: fmt.Sprintf("R%05d", i+1), Name: cp.Name + "共享车位", Kind: Compound,
			Operator: cp.Name + "物业服务中心", Ownership: Private, Address: cp.Name, Lat: cp.Lat, Lng: cp.Lng, TotalSpaces: total,
			ReservableSpaces: total / 8, Hours: Hours{Always: true},
			Tariff: Tariff{FreeMinutes: 15, HourCents: 300, DayCapCents: 1500, NightFrom: 0, NightUntil: 0}}, []Rule{day}); err != nil {
			return err
		}
	}
	bar.Add(1)
	// Supply projects in every stage; the opened ones add their facilities.
	now := time.Now().UTC()
	projects := 0
	sources := []string{"cleared", "corner", "cleared", "other"}
	for i := 0; i < 15; i++ {
		d := c.Districts[i%len(c.Districts)]
		streets := streetsOf[d.ID]
		if len(streets) == 0 {
			continue
		}
		st := streets[r.IntN(len(streets))]
		lat, lng := jitter(r, st.Lat, st.Lng, 0.005)
		private := i%3 == 0
		pr := Project{OrgUnitID: st.ID, Name: fmt.Sprintf("%s%s便民停车场", st.Name, []string{"拆违地块", "边角地", "口袋公园旁", "菜场旁"}[i%4]),
			Address: d.Name + st.Name, Lat: lat, Lng: lng, LandSource: sources[i%4], Kind: PublicLot, Operator: "城投停车管理有限公司",
			Ownership: Government, InvestorType: "public", Spaces: 40 + 10*r.IntN(12), InvestmentWan: int64(80 + 20*r.IntN(20)),
			PlannedOpen: now.AddDate(0, i%6, 0).In(shanghaiLoc()).Format("2006-01")}
		if private {
			pr.InvestorType, pr.Ownership, pr.Operator = "private", Private, "安澜泊车科技有限公司"
		}
		created, err := s.CreateProject(ctx, p, pr)
		if err != nil {
			return err
		}
		projects++
		for range i % len(Stages) {
			if _, err := s.Advance(ctx, p, created.ID, ""); err != nil {
				return err
			}
		}
	}
	env.Count("增量项目 supply projects", projects)
	bar.Add(1)
	// Everything registered so far (the opened projects' facilities too).
	all, _, err := s.List(ctx, p, Filter{})
	if err != nil {
		return err
	}
	if err := demoHistory(ctx, s, all, r, now); err != nil {
		return err
	}
	if _, err := s.RefreshProfiles(ctx, 4); err != nil {
		return err
	}
	// Reservations by the demo citizens.
	var citizens []*auth.Principal
	for _, a := range env.Accounts {
		if a.Role == auth.Citizen {
			citizens = append(citizens, &auth.Principal{UserID: a.UserID, Role: auth.Citizen, Name: a.DisplayName})
		}
	}
	made := 0
	tomorrow := now.Add(24 * time.Hour).In(shanghaiLoc())
	for i, f := range fs {
		if len(citizens) == 0 || f.ReservableSpaces == 0 || i%4 != 0 {
			continue
		}
		drv := citizens[made%len(citizens)]
		start := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 9+made%8, 0, 0, 0, shanghaiLoc())
		if f.Kind == PublicBuilding {
			start = time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 18, 0, 0, 0, shanghaiLoc())
		}
		_, err := s.Reserve(auth.WithPrincipal(ctx, drv), drv, ReserveRequest{FacilityID: f.ID, Starts: start,
			Ends: start.Add(2 * time.Hour), Plate: fmt.Sprintf("浙A%05d", 10000+made)})
		if err == nil {
			made++
		}
	}
	env.Count("停车设施 car parks", len(all))
	env.Count("停车预约 reservations", made)
	bar.Add(1)
	bar.Finish()
	return nil
}

func orVehicle(v VehicleClass) VehicleClass {
	if v == "" {
		return AnyVehicles
	}
	return v
}

func jitter(r *rand.Rand, lat, lng, d float64) (float64, float64) {
	return math.Round((lat+(r.Float64()*2-1)*d)*1e6) / 1e6, math.Round((lng+(r.Float64()*2-1)*d)*1e6) / 1e6
}

func shanghaiLoc() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}

// demoHistory writes a week of hourly history (a weekday pattern: full by
// day at offices and shops, full by night at compounds) and a fresh count
// for every facility.
func demoHistory(ctx context.Context, s *Service, fs []Facility, r *rand.Rand, now time.Time) error {
	d := s.Days()
	nowHour := floorDiv(Minutes(now), 60)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		var args []any
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			q := `INSERT INTO parking_occupancy_history (facility_id, hour, dow_hour, free_sum, samples, free_min, capacity) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(args)/7), ", ")
			_, err := tx.Exec(ctx, q, args...)
			args = args[:0]
			return err
		}
		for _, f := range fs {
			base := 0.3 + r.Float64()*0.5
			for h := nowHour - 7*24; h < nowHour; h++ {
				m := h * 60
				free := demoFree(f, d, m, base, r)
				args = append(args, f.ID, h, d.DowHour(m), free*4, 4, max(0, free-r.IntN(5)), f.TotalSpaces)
				if len(args) >= 7*400 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			free := demoFree(f, d, Minutes(now), base, r)
			if _, err := tx.Exec(ctx, `INSERT INTO parking_occupancy (facility_id, capacity, free, observed_at, received_at)
				VALUES (?, ?, ?, ?, ?)`, f.ID, f.TotalSpaces, free, now.Add(-time.Duration(r.IntN(120))*time.Second).Truncate(time.Second), now); err != nil {
				return err
			}
		}
		return flush()
	})
}

func demoFree(f Facility, d *Days, m int64, base float64, r *rand.Rand) int {
	hour := d.MinuteOfDay(m) / 60
	busy := 0.35
	working := d.Class(d.Day(m)) == WorkingDay
	switch f.Kind {
	case Compound:
		if hour >= 8 && hour < 18 && working {
			busy = 0.45
		} else {
			busy = 0.92
		}
	case PublicBuilding:
		if hour >= 8 && hour < 18 && working {
			busy = 0.9
		} else {
			busy = 0.25
		}
	default:
		if hour >= 9 && hour < 21 {
			busy = 0.6 + 0.3*base
		} else {
			busy = 0.2
		}
	}
	busy = min(1, max(0, busy+(r.Float64()-0.5)*0.15))
	return int(math.Round(float64(f.TotalSpaces) * (1 - busy)))
}
