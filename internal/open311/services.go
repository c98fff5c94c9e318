package open311

import (
	"encoding/xml"
	"net/http"
	"strings"

	"anju/internal/petition"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// Service is one kind of request: a petition category.
type Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	// Metadata: the service has a definition (attributes); true for all.
	Metadata bool `json:"metadata" xml:"metadata"`
	// Type: realtime — a request gets its id when it is filed.
	Type     string `json:"type" xml:"type"`
	Keywords string `json:"keywords" xml:"keywords"`
	// Group is the bureau department that usually handles the category.
	Group string `json:"group" xml:"group"`
}

type servicesXML struct {
	XMLName  xml.Name  `xml:"services"`
	Services []Service `xml:"service"`
}

// ServiceDefinition lists a service's attributes.
type ServiceDefinition struct {
	XMLName     xml.Name    `json:"-" xml:"service_definition"`
	ServiceCode string      `json:"service_code" xml:"service_code"`
	Attributes  []Attribute `json:"attributes" xml:"attributes>attribute"`
}

// Attribute is one question a request may answer (attribute[code]=key).
type Attribute struct {
	Variable            bool    `json:"variable" xml:"variable"`
	Code                string  `json:"code" xml:"code"`
	Datatype            string  `json:"datatype" xml:"datatype"`
	Required            bool    `json:"required" xml:"required"`
	DatatypeDescription string  `json:"datatype_description" xml:"datatype_description"`
	Order               int     `json:"order" xml:"order"`
	Description         string  `json:"description" xml:"description"`
	Values              []Value `json:"values" xml:"values>value"`
}

// Value is one choice of a list attribute.
type Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// The attributes every service has.
const (
	attrKind        = "kind"
	attrSubcategory = "subcategory"
)

func (h *Handler) services(w http.ResponseWriter, r *http.Request) {
	f := formatOfPath(r.URL.Path)
	if !h.jurisdictionOK(w, r, f) {
		return
	}
	l := lang(r)
	groups := h.departmentNames(r, l)
	list := []Service{}
	for _, c := range petition.CatalogueIn(l).Categories {
		subs := make([]string, len(c.Subcategories))
		for i, s := range c.Subcategories {
			subs[i] = s.Name
		}
		group := groups[c.Department]
		if group == "" {
			group = c.Department
		}
		list = append(list, Service{ServiceCode: c.Code, ServiceName: c.Name, Metadata: true, Type: "realtime",
			Description: web.T(l, "open311.service.description", c.Name, strings.Join(subs, web.T(l, "open311.list_separator"))),
			Keywords:    strings.Join(subs, ", "), Group: group})
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	write(w, r, f, http.StatusOK, list, servicesXML{Services: list})
}

// departmentNames names the bureau's departments in l: as the
// administrators named them, else as the platform installs them.
func (h *Handler) departmentNames(r *http.Request, l web.Lang) map[string]string {
	out := map[string]string{}
	name := func(d org.Department) {
		if l == web.EN && d.NameEn != "" {
			out[d.Code] = d.NameEn
		} else {
			out[d.Code] = d.Name
		}
	}
	for _, d := range org.DefaultDepartments {
		name(d)
	}
	if h.S.Org != nil {
		if ds, err := h.S.Org.Departments(r.Context()); err == nil {
			for _, d := range ds {
				name(d)
			}
		}
	}
	return out
}

func (h *Handler) serviceDefinition(w http.ResponseWriter, r *http.Request) {
	code, f, ok := splitFormat(r.PathValue("service_code"))
	if !ok {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.not_found"))
		return
	}
	if !h.jurisdictionOK(w, r, f) {
		return
	}
	d, ok := definition(lang(r), code)
	if !ok {
		writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.unknown_service", code))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	write(w, r, f, http.StatusOK, d, d)
}

// definition is the service definition of category code in l.
func definition(l web.Lang, code string) (ServiceDefinition, bool) {
	for _, c := range petition.CatalogueIn(l).Categories {
		if c.Code != code {
			continue
		}
		kinds := []Value{}
		for _, k := range petition.CatalogueIn(l).Kinds {
			kinds = append(kinds, Value{Key: k.Code, Name: k.Name})
		}
		subs := []Value{}
		for _, s := range c.Subcategories {
			subs = append(subs, Value{Key: s.Code, Name: s.Name})
		}
		return ServiceDefinition{ServiceCode: code, Attributes: []Attribute{
			{Variable: true, Code: attrKind, Datatype: "singlevaluelist", Required: false, Order: 1,
				DatatypeDescription: web.T(l, "open311.attribute.kind.datatype"),
				Description:         web.T(l, "open311.attribute.kind"), Values: kinds},
			{Variable: true, Code: attrSubcategory, Datatype: "singlevaluelist", Required: false, Order: 2,
				DatatypeDescription: web.T(l, "open311.attribute.subcategory.datatype"),
				Description:         web.T(l, "open311.attribute.subcategory"), Values: subs},
		}}, true
	}
	return ServiceDefinition{}, false
}

// jurisdictionOK answers 404 when the request names a jurisdiction_id this
// server does not serve (only checked when one is configured).
func (h *Handler) jurisdictionOK(w http.ResponseWriter, r *http.Request, f format) bool {
	j := strings.TrimSpace(r.FormValue("jurisdiction_id"))
	if j == "" || h.Cfg.Jurisdiction == "" || j == h.Cfg.Jurisdiction {
		return true
	}
	writeErrors(w, r, f, http.StatusNotFound, msg(r, "open311.error.jurisdiction", j))
	return false
}
