package audit

import (
	"embed"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed i18n/*.json
var messageFiles embed.FS

var pages = web.MustPages(templateFiles, "templates/*.html")

func init() { web.MustMessages(messageFiles) }

// Handler serves the audit log to the audit administrator: the pages under
// /admin/audit and the API under /api/v1/audit. Rows are kept within the
// viewer's jurisdiction by List and Get; who may look at all is the
// permission table's audit actions, so the system and security
// administrators, whose work is audited here, cannot read it.
type Handler struct {
	DB *db.DB
	// Chain verifies the hash chain; nil means the package's default chain
	// (SetKey).
	Chain *Chain
}

func (h *Handler) chain() *Chain {
	if h.Chain != nil {
		return h.Chain
	}
	return Default()
}

// Routes of the audit log.
func (h *Handler) Routes() []web.Route {
	view := web.Allowed(auth.ActViewAudit)
	filters := []web.Param{
		{Name: "from", Description: "first day, YYYY-MM-DD in the city's time zone, or an RFC 3339 time"},
		{Name: "to", Description: "last day (included), YYYY-MM-DD, or an RFC 3339 time (excluded)"},
		{Name: "actor", Description: "part of the actor's name"},
		{Name: "action", Description: "exact action, e.g. auth.login"},
		{Name: "object_type", Description: "exact object type, e.g. user"},
		{Name: "result", Description: "ok, refused or failed"},
		{Name: "q", Description: "part of the object id or the detail"},
		{Name: "page", Type: "integer"}, {Name: "size", Type: "integer", Description: "1–200, default 20"},
	}
	return []web.Route{
		{Pattern: "GET /admin/audit", Access: view, Handler: h.listPage},
		{Pattern: "GET /admin/audit/export.xlsx", Access: web.Allowed(auth.ActExportAudit), Handler: h.export},
		{Pattern: "GET /admin/audit/verify", Access: web.Allowed(auth.ActVerifyAudit), Handler: h.verifyPage},
		{Pattern: "GET /admin/audit/{id}", Access: view, Handler: h.recordPage, Resource: "audit_record"},

		{Pattern: "GET /api/v1/audit", Access: view, Handler: h.listAPI, Doc: &web.APIDoc{
			Summary: "Audit records in my jurisdiction, newest first", Tag: "audit", Query: filters,
			Response: web.ListResponse[RecordJSON]{}, Errors: []int{422}}},
		{Pattern: "GET /api/v1/audit/{id}", Access: view, Handler: h.getAPI, Resource: "audit_record", Doc: &web.APIDoc{
			Summary: "One audit record with its place in the hash chain", Tag: "audit", Response: RecordJSON{}}},
	}
}
