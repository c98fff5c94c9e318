package property

import (
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (s *Service) compoundRoutes() []web.Route {
	ledgerQuery := []web.Param{
		{Name: "q", Description: "part of the name, code or address"},
		{Name: "node", Type: "integer", Description: "only compounds under this unit"},
		{Name: "service", Description: "company, self or none"},
		{Name: "lacks", Description: "service, committee or party: compounds lacking it today"},
		{Name: "old", Description: "yes or no"}, {Name: "council", Description: "yes or no"},
		{Name: "company", Type: "integer", Description: "served by this company"},
		{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"},
	}
	return []web.Route{
		{Pattern: "GET /property/compounds", Access: viewGate, Handler: s.compoundsPage},
		{Pattern: "GET /property/compounds.xlsx", Access: exportGate, Handler: s.compoundsExport},
		{Pattern: "GET /property/compounds/import", Access: editGate, Handler: s.importPage("compounds")},
		{Pattern: "POST /property/compounds/import", Access: editGate, Handler: s.importPost("compounds"), MaxBody: maxSheetBytes},
		{Pattern: "GET /property/compounds/{id}", Access: viewGate, Resource: "property_compound", Handler: s.compoundPage},
		{Pattern: "POST /property/compounds/{id}", Access: editGate, Resource: "property_compound", Handler: s.compoundPost},
		{Pattern: "POST /property/compounds/{id}/members", Access: editGate, Resource: "property_compound", Handler: s.memberAdd},
		{Pattern: "POST /property/compounds/{id}/members/remove", Access: editGate, Resource: "property_compound", Handler: s.memberRemove},

		{Pattern: "GET /api/v1/property/compounds", Access: viewGate, Handler: s.apiCompounds, Doc: &web.APIDoc{
			Summary: "Compounds of the caller's jurisdiction with their property registry records", Tag: "property",
			Query: ledgerQuery, Response: web.ListResponse[Compound]{}}},
		{Pattern: "GET /api/v1/property/compounds/{id}", Access: viewGate, Resource: "property_compound", Handler: s.apiCompound,
			Doc: &web.APIDoc{Summary: "One compound's registry record, committee and change history", Tag: "property",
				Response: CompoundDetail{}}},
		{Pattern: "PUT /api/v1/property/compounds/{id}", Access: editGate, Resource: "property_compound", Handler: s.apiSaveCompound,
			Doc: &web.APIDoc{Summary: "Save a compound's registry record (version from the last read, or 0)", Tag: "property",
				Query:   []web.Param{{Name: "version", Type: "integer", Description: "the version read; a newer one answers 409"}},
				Request: CompoundInput{}, Response: Compound{}, Errors: []int{409, 422}}},
	}
}

// parseCompoundFilter reads the ledger's filters from a query.
func parseCompoundFilter(q url.Values) CompoundFilter {
	return CompoundFilter{Q: q.Get("q"), Node: formInt(q.Get("node")), Service: q.Get("service"), Lacks: q.Get("lacks"),
		Old: q.Get("old"), Council: q.Get("council"), CompanyID: formInt(q.Get("company"))}
}

type compoundsData struct {
	Filter             CompoundFilter
	Rows               []Compound
	Page, Pages, Total int
	ExportURL          string
	NodeName           string
	CompanyName        string
}

func (s *Service) compoundsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	f := parseCompoundFilter(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := s.Compounds(ctx, p, f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := compoundsData{Filter: f, Rows: rows, Page: pg.Page, Pages: pg.Pages(total), Total: total,
		ExportURL: exportQuery("/property/compounds.xlsx", r.URL.Query())}
	if f.Node != 0 {
		if u, err := s.Org.Get(ctx, p, f.Node); err == nil {
			d.NodeName = u.Name
		}
	}
	if f.CompanyID != 0 {
		if c, err := s.Company(ctx, p, f.CompanyID); err == nil {
			d.CompanyName = c.Name
		}
	}
	render(w, r, http.StatusOK, "compounds", "property.compounds.title", d, nil)
}

// CompoundDetail is a compound with its committee and history.
type CompoundDetail struct {
	Compound
	Members []Member       `json:"members"`
	History []HistoryEntry `json:"history"`
}

func (s *Service) compoundDetail(r *http.Request, id int64) (CompoundDetail, error) {
	ctx := r.Context()
	c, err := s.Compound(ctx, principal(r), id)
	if err != nil {
		return CompoundDetail{}, err
	}
	d := CompoundDetail{Compound: c, Members: []Member{}, History: []HistoryEntry{}}
	if ms, err := s.Members(ctx, id); err != nil {
		return d, err
	} else if ms != nil {
		d.Members = ms
	}
	if h, err := s.History(ctx, "compound", id, 50); err != nil {
		return d, err
	} else if h != nil {
		d.History = h
	}
	return d, nil
}

type compoundData struct {
	CompoundDetail
	Form      url.Values
	Companies []Company
	CanEdit   bool
	Posts     []string
	Services  []string
}

func (s *Service) showCompound(w http.ResponseWriter, r *http.Request, status int, d CompoundDetail, form url.Values, errs map[string]string) {
	p := principal(r)
	cd := compoundData{CompoundDetail: d, Form: form, Posts: Posts, Services: serviceTypes,
		CanEdit: rule(p, cmdEditCompound, target{Path: d.OrgPath}) == nil}
	if form == nil {
		cd.Form = compoundForm(d.Compound)
	}
	if cd.CanEdit {
		// The companies that may be chosen: active ones, and the current one.
		cs, _, err := s.Companies(r.Context(), auth.System("property"), CompanyFilter{Status: companyActive, Limit: 1000})
		if err != nil {
			pageFail(w, r, err)
			return
		}
		cd.Companies = cs
		if d.CompanyID != 0 {
			found := false
			for _, c := range cs {
				found = found || c.ID == d.CompanyID
			}
			if !found {
				cd.Companies = append(cd.Companies, Company{ID: d.CompanyID, Name: d.CompanyName, CreditCode: d.CompanyCode})
			}
		}
	}
	v := web.NewView(r, "property", cd)
	v.Title = d.Name
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "compound", v)
}

// compoundForm is a record as the form shows it.
func compoundForm(c Compound) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("address", c.Address)
	set("households", intText(c.Households))
	set("year_built", intText(c.YearBuilt))
	if c.Old {
		f.Set("old_compound", "on")
	}
	f.Set("service_type", c.ServiceType)
	if c.CompanyID != 0 {
		f.Set("company_id", strconv.FormatInt(c.CompanyID, 10))
	}
	set("contract_scope", c.ContractScope)
	set("fee_standard", c.FeeStandard)
	set("contract_start", dateText(c.ContractStart))
	set("contract_end", dateText(c.ContractEnd))
	if c.CommitteeFormed {
		f.Set("committee_formed", "on")
	}
	set("committee_formed_on", dateText(c.CommitteeFormedOn))
	set("committee_term_end", dateText(c.CommitteeTermEnd))
	if c.PartyBranch {
		f.Set("party_branch", "on")
	}
	if c.Council {
		f.Set("council", "on")
	}
	set("council_since", dateText(c.CouncilSince))
	f.Set("version", strconv.Itoa(c.Version))
	return f
}

// compoundInputOf reads the form. An unticked "old compound" box on a
// registered record means "not old"; on the first save it follows the year.
func compoundInputOf(f url.Values) (CompoundInput, *fieldError) {
	in := CompoundInput{Address: f.Get("address"), ServiceType: f.Get("service_type"), CompanyID: formInt(f.Get("company_id")),
		ContractScope: f.Get("contract_scope"), FeeStandard: f.Get("fee_standard"), ContractStart: f.Get("contract_start"),
		ContractEnd: f.Get("contract_end"), CommitteeFormed: formBool(f.Get("committee_formed")),
		CommitteeFormedOn: f.Get("committee_formed_on"), CommitteeTermEnd: f.Get("committee_term_end"),
		PartyBranch: formBool(f.Get("party_branch")), Council: formBool(f.Get("council")), CouncilSince: f.Get("council_since")}
	old := formBool(f.Get("old_compound"))
	in.Old = &old
	var bad *fieldError
	num := func(field string) int {
		v := f.Get(field)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad = ferr(field, "invalid", "应为整数", "must be a whole number")
		}
		return n
	}
	in.Households = num("households")
	in.YearBuilt = num("year_built")
	return in, bad
}

func (s *Service) compoundPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.compoundDetail(r, pathInt(r, "id"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	s.showCompound(w, r, http.StatusOK, d, nil, nil)
}

func (s *Service) compoundPost(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	d, err := s.compoundDetail(r, id) // in scope before the body is read
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	in, bad := compoundInputOf(r.PostForm)
	if bad != nil {
		s.showCompound(w, r, http.StatusUnprocessableEntity, d, r.PostForm, map[string]string{bad.field: pick(web.LangOf(r), bad.zh, bad.en)})
		return
	}
	if _, err := s.SaveCompound(r.Context(), id, int(formInt(r.PostForm.Get("version"))), in); err != nil {
		if errs, ok := formErrors(web.LangOf(r), err); ok {
			s.showCompound(w, r, http.StatusUnprocessableEntity, d, r.PostForm, errs)
			return
		}
		if isForbidden(err) || isConflict(err) {
			s.showCompound(w, r, http.StatusConflict, d, r.PostForm, map[string]string{"_": message(web.LangOf(r), err)})
			return
		}
		pageFail(w, r, err)
		return
	}
	redirect(w, r, "/property/compounds/"+strconv.FormatInt(id, 10), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) memberAdd(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	d, err := s.compoundDetail(r, id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	m := Member{Name: r.PostForm.Get("name"), Post: r.PostForm.Get("post"), PartyMember: formBool(r.PostForm.Get("party_member"))}
	if _, err := s.AddMember(r.Context(), id, m); err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) && !isConflict(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"member": message(l, err)}
		}
		for k, v := range errs {
			errs["member_"+k] = v
		}
		s.showCompound(w, r, http.StatusUnprocessableEntity, d, nil, errs)
		return
	}
	redirect(w, r, "/property/compounds/"+strconv.FormatInt(id, 10)+"#committee", web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) memberRemove(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Compound(r.Context(), principal(r), id); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := s.RemoveMember(r.Context(), id, formInt(r.PostForm.Get("member"))); err != nil {
		pageFail(w, r, err)
		return
	}
	redirect(w, r, "/property/compounds/"+strconv.FormatInt(id, 10)+"#committee", web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) apiCompounds(w http.ResponseWriter, r *http.Request) {
	f := parseCompoundFilter(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := s.Compounds(r.Context(), principal(r), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, rows, total)
}

func (s *Service) apiCompound(w http.ResponseWriter, r *http.Request) {
	d, err := s.compoundDetail(r, pathInt(r, "id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (s *Service) apiSaveCompound(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Compound(r.Context(), principal(r), id); err != nil {
		fail(w, r, err)
		return
	}
	var in CompoundInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := s.SaveCompound(r.Context(), id, int(formInt(r.URL.Query().Get("version"))), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}
