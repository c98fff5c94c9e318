package parking

import (
	"strings"
	"time"
)

// Kind is what sort of place a facility is.
type Kind string

const (
	PublicLot      Kind = "public_lot"      // 公共停车场
	OnStreet       Kind = "on_street"       // 路内泊位
	PublicBuilding Kind = "public_building" // 机关企事业单位（错时开放）
	Compound       Kind = "compound"        // 住宅小区（错时共享）
	Commercial     Kind = "commercial"      // 商业配建
)

// Kinds in the order forms show them.
var Kinds = []Kind{PublicLot, OnStreet, PublicBuilding, Compound, Commercial}

// Ownership of the capital that built and runs a facility (减法: private
// capital builds and operates lots).
type Ownership string

const (
	Government Ownership = "government"
	StateOwned Ownership = "state_owned"
	Private    Ownership = "private"
)

var Ownerships = []Ownership{Government, StateOwned, Private}

// Status of a facility: open, or suspended (nothing is offered).
type Status string

const (
	Open      Status = "open"
	Suspended Status = "suspended"
)

// VehicleClass limits who may park: small cars (≤ 7 seats) or any.
type VehicleClass string

const (
	SmallCars   VehicleClass = "small"
	AnyVehicles VehicleClass = "any"
)

// Eligibility of a sharing rule: anyone, or users registered with the host.
type Eligibility string

const (
	Anyone     Eligibility = "public"
	Registered Eligibility = "registered"
)

// Day classes of the platform calendar that a sharing rule may apply to;
// a rule's Days is a set of them. A make-up working day is a working day;
// an ordinary weekend day is a rest day; a statutory holiday is a holiday.
const (
	WorkingDay uint8 = 1
	RestDay    uint8 = 2
	HolidayDay uint8 = 4
	AllDays          = WorkingDay | RestDay | HolidayDay
)

// SlotMinutes is the grain of clock times in rules and opening hours and of
// the reservation ledger.
const SlotMinutes = 15

// Tariff is what a stay costs, in fen (cents of a yuan).
type Tariff struct {
	FreeMinutes    int   `json:"free_minutes" doc:"stays this long or shorter are free; longer stays pay from the start"`
	HourCents      int64 `json:"hour_cents" doc:"per started hour, in fen"`
	DayCapCents    int64 `json:"day_cap_cents" doc:"at most this per 24 hours from arrival (0: no cap)"`
	NightHourCents int64 `json:"night_hour_cents" doc:"per started hour that begins in the night window"`
	NightFrom      int   `json:"night_from" doc:"minutes after midnight; night_from = night_until: no night rate"`
	NightUntil     int   `json:"night_until"`
}

// Hours are the daily opening hours of the public spaces.
type Hours struct {
	Always bool `json:"always" doc:"open 24 hours"`
	Opens  int  `json:"opens" doc:"minutes after midnight"`
	Closes int  `json:"closes" doc:"minutes after midnight; at or before opens means the next day"`
}

// Facility is one car park in the registry.
type Facility struct {
	ID               int64        `json:"id"`
	OrgUnitID        int64        `json:"org_unit_id"`
	OrgPath          string       `json:"org_path"`
	Code             string       `json:"code"`
	Name             string       `json:"name"`
	Kind             Kind         `json:"kind"`
	Operator         string       `json:"operator"`
	Ownership        Ownership    `json:"ownership"`
	Address          string       `json:"address"`
	Lat              float64      `json:"lat" doc:"WGS-84"`
	Lng              float64      `json:"lng" doc:"WGS-84"`
	TotalSpaces      int          `json:"total_spaces"`
	PublicSpaces     int          `json:"public_spaces" doc:"open to the public in opening hours (shared spaces come from rules)"`
	ReservableSpaces int          `json:"reservable_spaces" doc:"at most this many may be reserved at any instant"`
	EVSpaces         int          `json:"ev_spaces"`
	AccessibleSpaces int          `json:"accessible_spaces"`
	VehicleClass     VehicleClass `json:"vehicle_class"`
	MaxHeightCM      int          `json:"max_height_cm" doc:"0: no limit"`
	Tariff           Tariff       `json:"tariff"`
	Hours            Hours        `json:"hours"`
	Status           Status       `json:"status"`
	ProjectID        int64        `json:"project_id,omitempty"`
	Version          int64        `json:"version"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`

	Rules       []Rule       `json:"rules"`
	Suspensions []Suspension `json:"suspensions"`
}

// Rule is one staggered-sharing window (错时开放). Times are minutes after
// local midnight of the day D the rule applies to: cars enter in
// [EntryFrom, EntryUntil] and leave by LeaveBy (past 1440 is the next
// morning); no car enters or leaves in a blackout [BlackoutFrom,
// BlackoutUntil) (which recurs daily; -1 for none).
type Rule struct {
	ID            int64        `json:"id"`
	FacilityID    int64        `json:"facility_id"`
	Name          string       `json:"name"`
	Days          uint8        `json:"days" doc:"bits: 1 working day, 2 rest day, 4 holiday (platform calendar)"`
	EntryFrom     int          `json:"entry_from"`
	EntryUntil    int          `json:"entry_until"`
	LeaveBy       int          `json:"leave_by"`
	BlackoutFrom  int          `json:"blackout_from"`
	BlackoutUntil int          `json:"blackout_until"`
	Spaces        int          `json:"spaces"`
	VehicleClass  VehicleClass `json:"vehicle_class"`
	Eligibility   Eligibility  `json:"eligibility"`
}

// HasBlackout tells whether the rule closes the gates for part of the night.
func (r Rule) HasBlackout() bool { return r.BlackoutFrom >= 0 && r.BlackoutUntil > r.BlackoutFrom }

// Suspension is a host's suspension of sharing: no sharing rule applies in
// [Starts, Ends) (Ends zero: until lifted).
type Suspension struct {
	ID        int64     `json:"id"`
	Starts    time.Time `json:"starts_at"`
	Ends      time.Time `json:"ends_at,omitzero"`
	Reason    string    `json:"reason"`
	NoticedAt time.Time `json:"noticed_at"`
}

// fieldError is a validation error naming the field, in both languages.
type fieldError struct{ field, code, zh, en string }

func (e *fieldError) Error() string { return e.field + ": " + e.en }

// FieldInfo lets web.Fail answer 422 naming the field.
func (e *fieldError) FieldInfo() (string, string, string, string) { return e.field, e.code, e.zh, e.en }

func ferr(field, code, zh, en string) *fieldError { return &fieldError{field, code, zh, en} }

// fieldErrors is several at once.
type fieldErrors []*fieldError

func (fe fieldErrors) Error() string {
	if len(fe) == 0 {
		return "invalid"
	}
	return fe[0].Error()
}

func (fe fieldErrors) Unwrap() []error {
	out := make([]error, len(fe))
	for i, e := range fe {
		out[i] = e
	}
	return out
}

func (fe fieldErrors) orNil() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

func validMinute(m int) bool { return m >= 0 && m < 1440 && m%SlotMinutes == 0 }

// Validate checks a facility as entered (not its rules).
func (f *Facility) Validate() error {
	var es fieldErrors
	f.Name, f.Code = strings.TrimSpace(f.Name), strings.TrimSpace(f.Code)
	f.Address, f.Operator = strings.TrimSpace(f.Address), strings.TrimSpace(f.Operator)
	if n := len([]rune(f.Name)); n == 0 || n > 100 {
		es = append(es, ferr("name", "required", "请填写 1–100 字的名称", "Name must be 1–100 characters"))
	}
	if n := len(f.Code); n == 0 || n > 40 {
		es = append(es, ferr("code", "required", "请填写编号（1–40 字符）", "Code must be 1–40 characters"))
	}
	if !oneOf(f.Kind, Kinds) {
		es = append(es, ferr("kind", "invalid", "类型无效", "Unknown kind"))
	}
	if !oneOf(f.Ownership, Ownerships) {
		es = append(es, ferr("ownership", "invalid", "产权类型无效", "Unknown ownership"))
	}
	if f.Operator == "" {
		es = append(es, ferr("operator", "required", "请填写运营单位", "Operator is required"))
	}
	if f.Lat < 3 || f.Lat > 54 || f.Lng < 73 || f.Lng > 136 {
		es = append(es, ferr("lat", "out_of_range", "坐标不在中国境内", "Coordinates are outside China"))
	}
	if f.TotalSpaces < 1 || f.TotalSpaces > 100000 {
		es = append(es, ferr("total_spaces", "range", "总泊位须为 1–100000", "Total spaces must be 1–100000"))
	}
	if f.PublicSpaces < 0 || f.PublicSpaces > f.TotalSpaces {
		es = append(es, ferr("public_spaces", "range", "对外开放泊位不能超过总泊位", "Public spaces cannot exceed total spaces"))
	}
	if f.ReservableSpaces < 0 || f.ReservableSpaces > f.TotalSpaces {
		es = append(es, ferr("reservable_spaces", "range", "可预约泊位不能超过总泊位", "Reservable spaces cannot exceed total spaces"))
	}
	if f.EVSpaces < 0 || f.EVSpaces > f.TotalSpaces {
		es = append(es, ferr("ev_spaces", "range", "充电泊位不能超过总泊位", "EV spaces cannot exceed total spaces"))
	}
	if f.AccessibleSpaces < 0 || f.AccessibleSpaces > f.TotalSpaces {
		es = append(es, ferr("accessible_spaces", "range", "无障碍泊位不能超过总泊位", "Accessible spaces cannot exceed total spaces"))
	}
	if f.VehicleClass == "" {
		f.VehicleClass = AnyVehicles
	}
	if f.VehicleClass != SmallCars && f.VehicleClass != AnyVehicles {
		es = append(es, ferr("vehicle_class", "invalid", "车型限制无效", "Unknown vehicle class"))
	}
	if f.MaxHeightCM < 0 || f.MaxHeightCM > 1000 {
		es = append(es, ferr("max_height_cm", "range", "限高须为 0–1000 厘米", "Height limit must be 0–1000 cm"))
	}
	t := f.Tariff
	if t.FreeMinutes < 0 || t.FreeMinutes > 1440 || t.HourCents < 0 || t.DayCapCents < 0 || t.NightHourCents < 0 ||
		t.HourCents > 100000 || t.NightHourCents > 100000 {
		es = append(es, ferr("tariff", "range", "收费标准无效", "Tariff values out of range"))
	}
	if !validMinute(t.NightFrom) || !validMinute(t.NightUntil) {
		es = append(es, ferr("night_from", "time", "夜间时段须为整刻钟", "Night window times must be on the quarter hour"))
	}
	h := f.Hours
	if !h.Always && (!validMinute(h.Opens) || !validMinute(h.Closes) || h.Opens == h.Closes) {
		es = append(es, ferr("opens", "time", "开放时间须为整刻钟，且开闭时间不同", "Opening hours must be on the quarter hour and differ"))
	}
	if f.Status == "" {
		f.Status = Open
	}
	if f.Status != Open && f.Status != Suspended {
		es = append(es, ferr("status", "invalid", "状态无效", "Unknown status"))
	}
	return es.orNil()
}

// Validate checks a sharing rule against the facility it belongs to.
func (r *Rule) Validate(total int) error {
	var es fieldErrors
	r.Name = strings.TrimSpace(r.Name)
	if n := len([]rune(r.Name)); n == 0 || n > 60 {
		es = append(es, ferr("name", "required", "请填写 1–60 字的规则名称", "Rule name must be 1–60 characters"))
	}
	if r.Days == 0 || r.Days&^AllDays != 0 {
		es = append(es, ferr("days", "required", "请选择适用日（工作日、休息日、节假日）", "Choose the days the rule applies to"))
	}
	if !validMinute(r.EntryFrom) {
		es = append(es, ferr("entry_from", "time", "入场开始时间须为当日整刻钟", "Entry start must be a quarter hour of the day"))
	}
	if r.EntryUntil < r.EntryFrom || r.EntryUntil > 2880 || r.EntryUntil%SlotMinutes != 0 || r.EntryUntil-r.EntryFrom > 1440 {
		es = append(es, ferr("entry_until", "time", "入场截止须不早于入场开始，且在次日之内", "Entry end must follow entry start, within the next day"))
	}
	if r.LeaveBy <= r.EntryFrom || r.LeaveBy < r.EntryUntil || r.LeaveBy > 2880 || r.LeaveBy%SlotMinutes != 0 {
		es = append(es, ferr("leave_by", "time", "离场时间须晚于入场，最迟次日 24 时", "Leave-by must follow entry, at latest the end of the next day"))
	}
	if r.BlackoutFrom == -1 && r.BlackoutUntil == -1 {
		// none
	} else if !validMinute(r.BlackoutFrom) || r.BlackoutUntil <= r.BlackoutFrom || r.BlackoutUntil%SlotMinutes != 0 ||
		r.BlackoutUntil-r.BlackoutFrom >= 1440 {
		es = append(es, ferr("blackout_from", "time", "禁止进出时段无效（整刻钟，短于 24 小时）", "Blackout must be on quarter hours and shorter than a day"))
	}
	if r.Spaces < 1 || r.Spaces > total {
		es = append(es, ferr("spaces", "range", "共享泊位须为 1 至总泊位", "Shared spaces must be between 1 and the total"))
	}
	if r.VehicleClass == "" {
		r.VehicleClass = SmallCars
	}
	if r.VehicleClass != SmallCars && r.VehicleClass != AnyVehicles {
		es = append(es, ferr("vehicle_class", "invalid", "车型限制无效", "Unknown vehicle class"))
	}
	if r.Eligibility == "" {
		r.Eligibility = Anyone
	}
	if r.Eligibility != Anyone && r.Eligibility != Registered {
		es = append(es, ferr("eligibility", "invalid", "对象无效", "Unknown eligibility"))
	}
	return es.orNil()
}

func oneOf[T comparable](v T, set []T) bool {
	for _, x := range set {
		if x == v {
			return true
		}
	}
	return false
}
