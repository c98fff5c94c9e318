// Package open311 is the Open311 GeoReport v2 adapter at /open311/v2: the
// civic apps and city systems that speak GeoReport file petitions (信访) and
// follow them.
//
//   - Services are the petition categories (petition.CatalogueIn); each has
//     a service definition with two attributes, the petition's kind and its
//     subcategory.
//   - POST requests files a petition by the open311 channel
//     (petition.SubmitOpen311). The api_key is an Anju machine token carrying
//     petition.PermOpen311; its jurisdiction and the location place the
//     request in a district.
//   - GET requests, GET requests/{id} and GET tokens/{token} are public, as
//     the specification makes them. They publish only petitions that came by
//     Open311, and never the petitioner's name, phone or e-mail.
//   - extensions=true adds the public timeline as notes; status is open or
//     closed by whether the petition's state is terminal.
//
// Every endpoint answers XML (the suffix .xml, required by the
// specification) or JSON (.json); errors are the specification's list of
// {code, description} with its status codes: 404 unknown resource or
// jurisdiction, 403 missing or invalid api_key, 400 anything else.
package open311

import (
	"context"
	"embed"
	"net/http"

	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

//go:embed i18n/*.json
var messageFiles embed.FS

func init() { web.MustMessages(messageFiles) }

// Root is the endpoint's path.
const Root = "/open311/v2"

// Specification is the GeoReport v2 specification's address (discovery).
const Specification = "http://wiki.open311.org/GeoReport_v2"

// Changeset is when the endpoint's description (the services and their
// definitions) last changed, for discovery. Bump it when petition
// categories or the attributes change.
const Changeset = "2026-11-27T00:00:00+08:00"

// Config is the deployment's description of the endpoint.
type Config struct {
	// BaseURL is the endpoint's public address, e.g.
	// https://anju.example.gov.cn/open311/v2; empty: from each request.
	BaseURL string
	// Contact and KeyService are what discovery tells developers: whom to
	// ask, and how to get an api_key.
	Contact, KeyService string
	// Type is "production" (default) or "test".
	Type string
	// Jurisdiction is the jurisdiction_id this server answers to. Empty: the
	// parameter is ignored (one jurisdiction, as the specification allows);
	// set: another value answers 404.
	Jurisdiction string
	// TrustProxy: believe X-Forwarded-Proto when deriving the base URL.
	TrustProxy bool
}

// Tokens checks api keys: the plaintext of an Anju machine token.
type Tokens interface {
	TokenPrincipal(ctx context.Context, plaintext, ip string) (*auth.Principal, error)
}

// Handler serves the endpoint.
type Handler struct {
	S      *petition.Service
	Tokens Tokens
	Cfg    Config
}

// formats are the suffixes every list endpoint answers to.
var formats = []string{"xml", "json"}

// Routes of the endpoint. All are public, as GeoReport's are: POST checks
// the api_key it carries in the form itself (the specification sends it as
// a parameter, not a header). None is under /api/, so none has an APIDoc;
// the specification is their documentation.
//
// The routes that name one object do not use {id}: Open311 request ids and
// tokens are public by the specification, so the rule that an {id} route
// answers 404 to another district's staff does not apply — anyone, in any
// district or none, reads any Open311 request. Their wildcards are named
// after the specification's parameters instead.
func (h *Handler) Routes() []web.Route {
	var rs []web.Route
	for _, f := range formats {
		rs = append(rs,
			web.Route{Pattern: "GET " + Root + "/discovery." + f, Access: web.Public, Handler: h.discovery},
			web.Route{Pattern: "GET " + Root + "/services." + f, Access: web.Public, Handler: h.services},
			web.Route{Pattern: "GET " + Root + "/requests." + f, Access: web.Public, Handler: h.listRequests},
			web.Route{Pattern: "POST " + Root + "/requests." + f, Access: web.Public, Handler: h.postRequest},
		)
	}
	return append(rs,
		web.Route{Pattern: "GET " + Root + "/services/{service_code}", Access: web.Public, Handler: h.serviceDefinition},
		web.Route{Pattern: "GET " + Root + "/requests/{service_request_id}", Access: web.Public, Handler: h.getRequest},
		web.Route{Pattern: "GET " + Root + "/tokens/{token}", Access: web.Public, Handler: h.token},
		// Everything else under the root answers the specification's error
		// body rather than the platform's page or problem.
		web.Route{Pattern: Root + "/", Access: web.Public, Handler: h.unknown},
	)
}

// unknown answers what no endpoint took: 405 with Allow for a known
// resource asked with another method, else 404.
func (h *Handler) unknown(w http.ResponseWriter, r *http.Request) {
	f := formatOfPath(r.URL.Path)
	if allow := allowed(r.URL.Path); allow != "" {
		w.Header().Set("Allow", allow)
		writeErrors(w, r, f, http.StatusMethodNotAllowed, msg(r, "open311.error.method"))
		return
	}
	writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.not_found"))
}
