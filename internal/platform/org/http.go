package org

import (
	"embed"
	"net/http"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed i18n/*.json
var messageFiles embed.FS

var pages = web.MustPages(templateFiles, "templates/*.html")

func init() { web.MustMessages(messageFiles) }

// Handler serves the administrative tree and the departments: the pages
// under /admin/org and /admin/departments and the API under /api/v1.
type Handler struct {
	Store *Store
}

// maxUpload is the body limit of the import routes: the importer's own cap
// plus room for the multipart envelope, so an oversized file is reported by
// the importer in words rather than cut off mid-stream.
const maxUpload = MaxImportBytes + 64<<10

// readers may browse the tree. Business staff and leaders read the part of
// it they work in (and tokens carrying records.view); the system
// administrator maintains it and the security administrator places accounts
// in it. The audit administrator, by separation of duties, does neither.
var readers = web.Access{
	Name: "permission: " + string(auth.ActViewRecords) + " or " + string(auth.ActViewAccounts),
	Allow: func(p *auth.Principal) bool {
		return auth.Can(p, auth.ActViewRecords) || auth.Can(p, auth.ActViewAccounts)
	},
}

// Routes of the tree and the departments. Changing the tree is the system
// administrator's duty (auth.ActManageOrg); every unit is looked up within
// the caller's jurisdiction, so another district's unit is "not found".
func (h *Handler) Routes() []web.Route {
	manage := web.Allowed(auth.ActManageOrg)
	return []web.Route{
		{Pattern: "GET /admin/org", Access: readers, Handler: h.treePage},
		{Pattern: "GET /admin/org/{id}", Access: readers, Handler: h.unitPage, Resource: "org_unit"},
		{Pattern: "POST /admin/org/{id}/children", Access: manage, Handler: h.addChild, Resource: "org_unit"},
		{Pattern: "GET /admin/org/import", Access: manage, Handler: h.importPage},
		{Pattern: "POST /admin/org/import", Access: manage, Handler: h.importUpload, MaxBody: maxUpload},
		{Pattern: "GET /admin/org/export.xlsx", Access: readers, Handler: h.export(FormatXLSX)},
		{Pattern: "GET /admin/org/export.csv", Access: readers, Handler: h.export(FormatCSV)},
		{Pattern: "GET /admin/departments", Access: readers, Handler: h.departmentsPage},

		{Pattern: "GET /api/v1/org/units", Access: readers, Handler: h.listAPI, Doc: &web.APIDoc{
			Summary: "List units of the administrative tree in my jurisdiction", Tag: "org",
			Query: []web.Param{
				{Name: "kind", Description: "city, district, zone, street, community, compound or building"},
				{Name: "parent_id", Type: "integer", Description: "direct children of this unit"},
				{Name: "q", Description: "part of the name or the code"},
				{Name: "page", Type: "integer"}, {Name: "size", Type: "integer", Description: "1–200, default 20"},
			},
			Response: web.ListResponse[UnitJSON]{}, Errors: []int{422}}},
		{Pattern: "GET /api/v1/org/units/{id}", Access: readers, Handler: h.getAPI, Resource: "org_unit", Doc: &web.APIDoc{
			Summary: "One unit, with its ancestors (breadcrumb)", Tag: "org", Response: UnitDetailJSON{}}},
		{Pattern: "GET /api/v1/org/units/{id}/children", Access: readers, Handler: h.childrenAPI, Resource: "org_unit",
			Doc: &web.APIDoc{Summary: "The units directly under a unit", Tag: "org", Response: UnitsJSON{}}},
		{Pattern: "POST /api/v1/org/units", Access: manage, Handler: h.createAPI, Doc: &web.APIDoc{
			Summary: "Add a unit under a parent in my jurisdiction", Tag: "org",
			Request: NewUnitJSON{}, Response: UnitJSON{}, Status: http.StatusCreated, Errors: []int{400, 422}}},
		{Pattern: "GET /api/v1/departments", Access: readers, Handler: h.departmentsAPI, Doc: &web.APIDoc{
			Summary: "The bureau's departments", Tag: "org", Response: DepartmentsJSON{}}},
		{Pattern: "POST /api/v1/org/import", Access: manage, Handler: h.importAPI, MaxBody: maxUpload, Doc: &web.APIDoc{
			Summary: "Import a tree spreadsheet (xlsx or csv), all rows or none", Tag: "org",
			Description: "Send the file as multipart/form-data (field \"file\"; the format is taken from its name) " +
				"or as the raw body with ?format=xlsx or ?format=csv. If any row is wrong nothing is written and the " +
				"422 problem lists every bad cell in errors, with field like \"row 3: parent_code\".",
			Query:    []web.Param{{Name: "format", Description: "xlsx or csv (raw body uploads)"}},
			Response: ImportJSON{}, Errors: []int{400, 413, 422}}},
	}
}
