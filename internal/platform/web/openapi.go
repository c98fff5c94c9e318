package web

import (
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// APIDoc describes an API route for the OpenAPI document. Request and
// Response are example values (zero values of the Go types are fine): their
// JSON schemas are derived from the types, so the document follows the code.
type APIDoc struct {
	Summary     string
	Description string
	Tag         string
	Query       []Param
	Request     any
	Response    any
	// Status is the success status (200 if zero).
	Status int
	// Errors lists the problem statuses the route may answer besides 401/403.
	Errors []int
}

// Param is one query parameter.
type Param struct {
	Name, Type, Description string
	Required                bool
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)(\.\.\.)?\}`)

// OpenAPI builds the OpenAPI 3.1 document of the API routes in the table.
func OpenAPI(version string, routes []Route) map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{"Problem": problemSchema()}
	for _, rt := range routes {
		if rt.Doc == nil {
			continue
		}
		p := rt.Path()
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     rt.Doc.Summary,
			"operationId": operationID(rt),
			"x-access":    rt.Access.Name,
		}
		if rt.Doc.Description != "" {
			op["description"] = rt.Doc.Description
		}
		if rt.Doc.Tag != "" {
			op["tags"] = []string{rt.Doc.Tag}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(p, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Doc.Query {
			t := q.Type
			if t == "" {
				t = "string"
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required,
				"description": q.Description, "schema": map[string]any{"type": t}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Doc.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": SchemaOf(reflect.TypeOf(rt.Doc.Request))}}}
		}
		status := rt.Doc.Status
		if status == 0 {
			status = 200
		}
		ok := map[string]any{"description": "OK"}
		if rt.Doc.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": SchemaOf(reflect.TypeOf(rt.Doc.Response))}}
		}
		responses := map[string]any{itoa(status): ok}
		problem := map[string]any{"description": "problem", "content": map[string]any{
			"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
		errs := append([]int{}, rt.Doc.Errors...)
		if rt.Access.Name != Public.Name {
			errs = append(errs, 401, 403)
		}
		if strings.Contains(p, "{") {
			errs = append(errs, 404)
		}
		for _, e := range errs {
			responses[itoa(e)] = problem
		}
		op["responses"] = responses
		paths[p][strings.ToLower(rt.Method())] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Anju API", "version": version,
			"description": "安居 — the housing bureau's platform. Errors are RFC 9457 problem documents."},
		"paths": paths,
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{
			"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "machine API token"},
			"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie}}},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
	}
}

func operationID(rt Route) string {
	s := strings.ToLower(rt.Method()) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "").Replace(rt.Path())
	return strings.TrimSuffix(s, "_")
}

func itoa(n int) string { return strconv.Itoa(n) }

func problemSchema() map[string]any {
	return map[string]any{"type": "object", "required": []string{"type", "title", "status"}, "properties": map[string]any{
		"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
		"status": map[string]any{"type": "integer"}, "detail": map[string]any{"type": "string"},
		"instance": map[string]any{"type": "string"},
		"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"field": map[string]any{"type": "string"}, "code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}},
	}}
}

var timeType = reflect.TypeOf(time.Time{})

// SchemaOf derives a JSON schema from a Go type, following encoding/json's
// rules for field names and omitempty.
func SchemaOf(t reflect.Type) map[string]any {
	return schemaOf(t, map[reflect.Type]bool{})
}

func schemaOf(t reflect.Type, seen map[reflect.Type]bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), seen)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), seen)}
	case reflect.Struct:
		if seen[t] {
			return map[string]any{"type": "object"}
		}
		seen[t] = true
		defer delete(seen, t)
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				if sub := schemaOf(f.Type, seen); sub["properties"] != nil {
					for k, v := range sub["properties"].(map[string]any) {
						props[k] = v
					}
				}
				continue
			}
			if name == "" {
				name = f.Name
			}
			s := schemaOf(f.Type, seen)
			if d := f.Tag.Get("doc"); d != "" {
				s["description"] = d
			}
			props[name] = s
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
				required = append(required, name)
			}
		}
		sort.Strings(required)
		out := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			out["required"] = required
		}
		return out
	case reflect.Interface:
		return map[string]any{}
	}
	return map[string]any{}
}
