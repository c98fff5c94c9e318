// Package org holds the administrative tree (city → district or zone →
// street → community → compound → building) and the bureau's departments.
// Every module's jurisdiction check compares a materialised path of this tree
// ("/1/7/42/") through auth.Principal.ScopeSQL; this package builds those
// paths, and imports and exports the tree as the spreadsheets (台账) the
// bureau exchanges with districts.
package org

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Unit is one node of the administrative tree.
type Unit struct {
	ID       int64
	ParentID int64 // 0 for the root (the city)
	Kind     Kind
	Code     string // unique across the tree; the key spreadsheets refer to
	Name     string
	Path     string // "/1/7/42/": the ids from the root down to this unit
	Depth    int    // 0 for the root
	// Lat and Lng are WGS-84 (what GPS and the national standard map use;
	// geo converts for map apps that expect GCJ-02 or BD-09); nil when unknown.
	Lat, Lng  *float64
	CreatedAt time.Time
}

// AncestorIDs are the ids of the unit's ancestors, root first, read from its path.
func (u Unit) AncestorIDs() []int64 {
	var ids []int64
	for s := range strings.SplitSeq(strings.Trim(u.Path, "/"), "/") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err == nil && id != u.ID {
			ids = append(ids, id)
		}
	}
	return ids
}

// Edit is what Update may change. The kind and the parent are fixed once a
// unit exists: other modules copy the path into their rows (users, tokens,
// cases), so moving a unit is a migration, not an edit.
type Edit struct {
	Code, Name string
	Lat, Lng   *float64
}

// Filter selects units for List.
type Filter struct {
	Kind     Kind   // "" for every kind
	ParentID int64  // direct children of this unit; 0 for no parent filter
	Keyword  string // part of the name or the code
	Limit    int    // default 50, at most MaxListLimit
	Offset   int
}

// MaxListLimit bounds one page of List.
const MaxListLimit = 1000

// Limits of the fields, shared by forms and the importer.
const (
	MaxCodeLen = 32
	MaxNameLen = 64 // runes
)

// FieldError is a rejected input value. Field is the input's name ("code",
// "parent_id", …) so a form can show the message beside it; Code is a stable
// machine string ("required", "invalid", "too_long", "duplicate",
// "parent_kind", "not_found", "out_of_range") for the API's problem type.
type FieldError struct {
	Field     string
	Code      string
	Message   string // zh-CN
	MessageEn string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.MessageEn }

// Text is the message in lang ("en…" for English, Chinese otherwise).
func (e *FieldError) Text(lang string) string {
	if strings.HasPrefix(lang, "en") {
		return e.MessageEn
	}
	return e.Message
}

// FieldErrors are all the rejected fields of one command, so a form can mark
// every wrong field at once. errors.As(err, &fe) with fe a *FieldError finds
// the first.
type FieldErrors []*FieldError

func (es FieldErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return "invalid input: " + strings.Join(s, "; ")
}

func (es FieldErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// problem is one validation failure before it is tied to a form field or a
// spreadsheet row.
type problem struct{ code, zh, en string }

func checkCode(s string) *problem {
	if s == "" {
		return &problem{"required", "必须填写", "is required"}
	}
	if len(s) > MaxCodeLen {
		return &problem{"too_long", fmt.Sprintf("最长%d位", MaxCodeLen), fmt.Sprintf("must be at most %d characters", MaxCodeLen)}
	}
	for i, c := range s {
		ok := c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c) || (i > 0 && (c == '-' || c == '_')))
		if !ok {
			// A leading "-" would make Excel read the code as a number or formula.
			return &problem{"invalid", "只能由字母、数字、连字符和下划线组成，且以字母或数字开头",
				"may contain only letters, digits, '-' and '_', and must start with a letter or digit"}
		}
	}
	return nil
}

func checkName(s string) *problem {
	if s == "" {
		return &problem{"required", "必须填写", "is required"}
	}
	if !utf8.ValidString(s) {
		return &problem{"invalid", "含有无法识别的字符", "contains invalid characters"}
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return &problem{"invalid", "不能含有换行或控制字符", "must not contain line breaks or control characters"}
		}
	}
	// Names go into spreadsheets; one starting like a formula would run as
	// one when the export is opened (CSV injection).
	if strings.ContainsRune("=+-@", rune(s[0])) {
		return &problem{"invalid", "不能以 = + - @ 开头", "must not start with = + - or @"}
	}
	if n := utf8.RuneCountInString(s); n > MaxNameLen {
		return &problem{"too_long", fmt.Sprintf("最长%d个字", MaxNameLen), fmt.Sprintf("must be at most %d characters", MaxNameLen)}
	}
	return nil
}

// checkCoord checks one coordinate; limit is 90 for latitude, 180 for longitude.
func checkCoord(v float64, limit float64) *problem {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < -limit || v > limit {
		return &problem{"out_of_range", fmt.Sprintf("应在 -%g 到 %g 之间", limit, limit),
			fmt.Sprintf("must be between -%g and %g", limit, limit)}
	}
	return nil
}

// checkCoords checks a latitude/longitude pair: both or neither, in range.
// It returns the field at fault ("lat" or "lng").
func checkCoords(lat, lng *float64) (string, *problem) {
	if lat == nil && lng != nil {
		return "lat", &problem{"required", "必须填写（已填写经度）", "is required when the longitude is given"}
	}
	if lat != nil && lng == nil {
		return "lng", &problem{"required", "必须填写（已填写纬度）", "is required when the latitude is given"}
	}
	if lat != nil {
		if pr := checkCoord(*lat, 90); pr != nil {
			return "lat", pr
		}
		if pr := checkCoord(*lng, 180); pr != nil {
			return "lng", pr
		}
	}
	return "", nil
}

// fieldLabels name the fields in messages, as the spreadsheet headers do.
var fieldLabels = map[string][2]string{
	"code":        {"编码", "code"},
	"name":        {"名称", "name"},
	"kind":        {"类型", "kind"},
	"parent_id":   {"上级单位", "parent"},
	"parent_code": {"上级编码", "parent code"},
	"lat":         {"纬度", "latitude"},
	"lng":         {"经度", "longitude"},
	"name_en":     {"英文名称", "English name"},
}

// fieldError ties a problem to a form field: "编码必须填写" / "code is required".
func fieldError(field string, pr *problem) *FieldError {
	l := fieldLabels[field]
	return &FieldError{Field: field, Code: pr.code, Message: l[0] + pr.zh, MessageEn: l[1] + " " + pr.en}
}
