package property

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"
	"strings"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/workday"
)

// Definition says in words what a rate counts, in both languages.
type Definition struct {
	Key           string `json:"key" doc:"service, committee or party"`
	Name          string `json:"name"`
	NameEn        string `json:"name_en"`
	Numerator     string `json:"numerator"`
	NumeratorEn   string `json:"numerator_en"`
	Denominator   string `json:"denominator"`
	DenominatorEn string `json:"denominator_en"`
}

const denominatorZh = "该区域内的全部小区（以行政区划中的小区为准，含尚未登记物业信息的小区）"
const denominatorEn = "all compounds in the area (the compounds of the administrative tree, including those with no property record yet)"

// Definitions of the three rates, in the order pages show them. They are
// the words for the expressions in coverage_sql.go.
var Definitions = []Definition{
	{Key: measureService, Name: "物业服务覆盖率", NameEn: "Property-service coverage",
		Numerator:   "统计日由物业企业在服务合同期内提供服务（企业未注销），或由业主自行管理的小区数",
		NumeratorEn: "compounds served on the date by a company under a contract in force (company not deregistered), or managed by their owners themselves",
		Denominator: denominatorZh, DenominatorEn: denominatorEn},
	{Key: measureCommittee, Name: "业主委员会组建率", NameEn: "Owners'-committee formation rate",
		Numerator:   "统计日已成立业主委员会且任期未届满的小区数",
		NumeratorEn: "compounds with an owners' committee formed and still in its term on the date",
		Denominator: denominatorZh, DenominatorEn: denominatorEn},
	{Key: measureParty, Name: "党的工作覆盖率", NameEn: "Party-work coverage",
		Numerator:   "统计日小区内建有党组织，或由建有党组织的物业企业在服务合同期内提供服务（红色物业）的小区数",
		NumeratorEn: "compounds with a party organisation of their own, or served under a contract in force by a company that has one (\"red property management\"), on the date",
		Denominator: denominatorZh, DenominatorEn: denominatorEn},
}

// Rates are the counts behind the three rates of one area.
type Rates struct {
	Compounds     int      `json:"compounds"`
	Service       int      `json:"service"`
	Committee     int      `json:"committee"`
	Party         int      `json:"party"`
	ServiceRate   *float64 `json:"service_rate" doc:"share 0–1, null when the area has no compounds"`
	CommitteeRate *float64 `json:"committee_rate"`
	PartyRate     *float64 `json:"party_rate"`
}

func (r *Rates) add(o Rates) {
	r.Compounds += o.Compounds
	r.Service += o.Service
	r.Committee += o.Committee
	r.Party += o.Party
}

// finish computes the shares, rounded to 4 decimals.
func (r *Rates) finish() {
	share := func(n int) *float64 {
		if r.Compounds == 0 {
			return nil
		}
		v := math.Round(float64(n)/float64(r.Compounds)*10000) / 10000
		return &v
	}
	r.ServiceRate, r.CommitteeRate, r.PartyRate = share(r.Service), share(r.Committee), share(r.Party)
}

// Count returns the numerator of measure m.
func (r Rates) Count(m string) int {
	switch m {
	case measureService:
		return r.Service
	case measureCommittee:
		return r.Committee
	}
	return r.Party
}

// AreaRates is one unit of the tree with its rates.
type AreaRates struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name"`
	Rates
}

// Coverage is the three rates of a node and of each unit directly under it
// (for a community: each of its compounds, whose counts are 0 or 1).
type Coverage struct {
	AsOf        workday.Date `json:"as_of"`
	Node        AreaRates    `json:"node"`
	Trail       []AreaRates  `json:"trail" doc:"the units above the node, city first (names only)"`
	Children    []AreaRates  `json:"children"`
	Definitions []Definition `json:"definitions"`
}

// coverageKinds are the units coverage is shown for.
var coverageKinds = map[org.Kind]bool{org.City: true, org.District: true, org.Zone: true, org.Street: true, org.Community: true}

// coverageNode finds the node: id, or the root for 0; only units from city
// to community. p limits it to a scope (nil: any unit, for the public).
func (s *Service) coverageNode(ctx context.Context, p *auth.Principal, id int64) (org.Unit, error) {
	if p == nil {
		p = auth.System("property")
	}
	if id == 0 {
		if p.OrgUnitID != 0 {
			id = p.OrgUnitID
		} else {
			err := s.DB.QueryRow(ctx, `SELECT id FROM org_units WHERE parent_id IS NULL ORDER BY id LIMIT 1`).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return org.Unit{}, db.ErrNotFound
			}
			if err != nil {
				return org.Unit{}, err
			}
		}
	}
	u, err := s.Org.Get(ctx, p, id)
	if err != nil {
		return org.Unit{}, err
	}
	if !coverageKinds[u.Kind] {
		return org.Unit{}, db.ErrNotFound
	}
	return u, nil
}

// Coverage computes the rates of node id (0: the root, or the principal's
// own unit) on asOf: one grouped query over the node's compounds, rolled
// up to the units under the node. p limits the node to a scope (nil: any
// node, for the public figures).
func (s *Service) Coverage(ctx context.Context, p *auth.Principal, id int64, asOf workday.Date) (Coverage, error) {
	node, err := s.coverageNode(ctx, p, id)
	if err != nil {
		return Coverage{}, err
	}
	cov := Coverage{AsOf: asOf, Definitions: Definitions, Children: []AreaRates{}, Trail: []AreaRates{},
		Node: AreaRates{ID: node.ID, Kind: string(node.Kind), Code: node.Code, Name: node.Name}}
	anc, err := s.Org.Ancestors(ctx, node.ID)
	if err != nil {
		return Coverage{}, err
	}
	for _, a := range anc {
		cov.Trail = append(cov.Trail, AreaRates{ID: a.ID, Kind: string(a.Kind), Code: a.Code, Name: a.Name})
	}
	if node.Kind == org.Community {
		err = s.compoundRates(ctx, node, asOf, &cov)
	} else {
		err = s.areaRates(ctx, node, asOf, &cov)
	}
	if err != nil {
		return Coverage{}, err
	}
	for i := range cov.Children {
		cov.Node.add(cov.Children[i].Rates)
		cov.Children[i].finish()
	}
	cov.Node.finish()
	return cov, nil
}

// measureColumns are the three measures as summed columns, with their args.
func measureColumns(asOf workday.Date) (string, []any) {
	svc, a1 := serviceSQL(asOf)
	com, a2 := committeeSQL(asOf)
	par, a3 := partySQL(asOf)
	return `SUM` + flagSQL(svc) + `, SUM` + flagSQL(com) + `, SUM` + flagSQL(par), append(append(a1, a2...), a3...)
}

// levelColumns are the ancestor columns of a registry row, by depth below
// the city: district (or zone), street, community.
var levelColumns = []string{"district_id", "street_id", "community_id"}

// areaRates fills cov.Children for a node above communities with two
// statements over the node's compounds: the compounds of the tree under each
// child, counted on one index range per child in one UNION ALL (the
// denominators: a compound without a registry record counts as lacking all
// three), and the registry rows grouped by the child's column (numerators).
func (s *Service) areaRates(ctx context.Context, node org.Unit, asOf workday.Date, cov *Coverage) error {
	if node.Depth >= len(levelColumns) {
		return db.ErrNotFound
	}
	rows, err := s.DB.Query(ctx, `SELECT id, kind, code, name, path FROM org_units WHERE parent_id = ? ORDER BY code`, node.ID)
	if err != nil {
		return err
	}
	index := map[int64]int{} // child unit id → index in cov.Children
	var paths []string
	for rows.Next() {
		var a AreaRates
		var path string
		if err := rows.Scan(&a.ID, &a.Kind, &a.Code, &a.Name, &path); err != nil {
			rows.Close()
			return err
		}
		if coverageKinds[org.Kind(a.Kind)] {
			index[a.ID] = len(cov.Children)
			cov.Children = append(cov.Children, a)
			paths = append(paths, path)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cov.Children) == 0 {
		return nil
	}
	add := func(q string, args []any, scan func(*sql.Rows, *Rates) (int64, error)) error {
		rows, err := s.DB.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Rates
			id, err := scan(rows, &r)
			if err != nil {
				return err
			}
			if i, ok := index[id]; ok {
				cov.Children[i].add(r)
			}
		}
		return rows.Err()
	}
	// Denominators: one range of the (kind, path) index per child, the
	// children's ranges given as a VALUES table.
	values := make([]string, len(paths))
	var args []any
	for i, p := range paths {
		lo, hi := pathRange(p)
		values[i] = "(CAST(? AS BIGINT), ?, ?)"
		args = append(args, cov.Children[i].ID, lo, hi)
	}
	err = add(`WITH r(id, lo, hi) AS (VALUES `+strings.Join(values, ", ")+`)
		SELECT r.id, (SELECT COUNT(*) FROM org_units u WHERE u.kind = 'compound' AND u.path >= r.lo AND u.path < r.hi) FROM r`,
		args, func(rows *sql.Rows, r *Rates) (int64, error) {
			var id int64
			return id, rows.Scan(&id, &r.Compounds)
		})
	if err != nil {
		return err
	}
	// Numerators: the registry rows under the node, by the child's column.
	cols, args := measureColumns(asOf)
	where := "1 = 1"
	for d := 0; d < node.Depth; d++ {
		where += " AND pc." + levelColumns[d] + " = ?"
		args = append(args, segment(node.Path, d+1))
	}
	group := "pc." + levelColumns[node.Depth]
	return add(`SELECT `+group+`, `+cols+` FROM property_compounds pc WHERE `+where+` GROUP BY `+group, args,
		func(rows *sql.Rows, r *Rates) (int64, error) {
			var id int64
			return id, rows.Scan(&id, &r.Service, &r.Committee, &r.Party)
		})
}

// compoundRates fills cov.Children for a community: each compound, 0 or 1.
func (s *Service) compoundRates(ctx context.Context, node org.Unit, asOf workday.Date, cov *Coverage) error {
	lo, hi := pathRange(node.Path)
	svc, a1 := serviceSQL(asOf)
	com, a2 := committeeSQL(asOf)
	par, a3 := partySQL(asOf)
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.code, u.name, `+flagSQL(svc)+`, `+flagSQL(com)+`, `+flagSQL(par)+`
		FROM org_units u LEFT JOIN property_compounds pc ON pc.org_unit_id = u.id
		WHERE u.kind = 'compound' AND u.path >= ? AND u.path < ? ORDER BY u.code`, append(append(append(a1, a2...), a3...), lo, hi)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a := AreaRates{Kind: string(org.Compound), Rates: Rates{Compounds: 1}}
		if err := rows.Scan(&a.ID, &a.Code, &a.Name, &a.Service, &a.Committee, &a.Party); err != nil {
			return err
		}
		cov.Children = append(cov.Children, a)
	}
	return rows.Err()
}

// pathRange is the prefix range of path (as ScopeSQL builds it).
func pathRange(path string) (string, string) {
	return path, path[:len(path)-1] + string(path[len(path)-1]+1)
}

// segment returns the id at depth d of a path ("/1/7/42/", d=1 → 7); 0 if none.
func segment(path string, d int) int64 {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if d >= len(parts) {
		return 0
	}
	id, _ := strconv.ParseInt(parts[d], 10, 64)
	return id
}
