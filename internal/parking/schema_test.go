package parking_test

import (
	"fmt"
	"slices"
)

// A small JSON Schema subset (type, required, properties, items, enum,
// minimum, maximum, minItems, maxItems) — enough to state the feeds'
// schemas and check documents against them.

type schema map[string]any

func validate(v any, s schema, at string) []string {
	var errs []string
	if t, ok := s["type"].(string); ok && !isType(v, t) {
		return []string{fmt.Sprintf("%s: want %s, got %T", at, t, v)}
	}
	if ts, ok := s["type"].([]string); ok {
		match := false
		for _, t := range ts {
			match = match || isType(v, t)
		}
		if !match {
			return []string{fmt.Sprintf("%s: want one of %v, got %T", at, ts, v)}
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, v, enum))
	}
	if n, ok := v.(float64); ok {
		if lo, ok := s["minimum"].(float64); ok && n < lo {
			errs = append(errs, fmt.Sprintf("%s: %v < %v", at, n, lo))
		}
		if hi, ok := s["maximum"].(float64); ok && n > hi {
			errs = append(errs, fmt.Sprintf("%s: %v > %v", at, n, hi))
		}
	}
	if obj, ok := v.(map[string]any); ok {
		if req, ok := s["required"].([]string); ok {
			for _, k := range req {
				if _, has := obj[k]; !has {
					errs = append(errs, fmt.Sprintf("%s: missing %q", at, k))
				}
			}
		}
		if props, ok := s["properties"].(map[string]schema); ok {
			for k, sub := range props {
				if x, has := obj[k]; has {
					errs = append(errs, validate(x, sub, at+"."+k)...)
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if n, ok := s["minItems"].(int); ok && len(arr) < n {
			errs = append(errs, fmt.Sprintf("%s: %d items, want ≥ %d", at, len(arr), n))
		}
		if n, ok := s["maxItems"].(int); ok && len(arr) > n {
			errs = append(errs, fmt.Sprintf("%s: %d items, want ≤ %d", at, len(arr), n))
		}
		if items, ok := s["items"].(schema); ok {
			for i, x := range arr {
				errs = append(errs, validate(x, items, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
		// GeoJSON positions: [longitude, latitude].
		if s["position"] == true && len(arr) == 2 {
			lng, _ := arr[0].(float64)
			lat, _ := arr[1].(float64)
			if lng < -180 || lng > 180 || lat < -90 || lat > 90 {
				errs = append(errs, fmt.Sprintf("%s: position %v out of range", at, arr))
			}
		}
	}
	return errs
}

func isType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == float64(int64(n))
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

var count = schema{"type": []string{"integer", "null"}, "minimum": 0.0}

// geojsonSchema: RFC 7946 FeatureCollection of Points, with the feed's
// members (GBFS-style last_updated and ttl) and ParkAPI-style properties.
var geojsonSchema = schema{
	"type": "object", "required": []string{"type", "features", "last_updated", "ttl"},
	"properties": map[string]schema{
		"type":         {"type": "string", "enum": []any{"FeatureCollection"}},
		"last_updated": {"type": "integer", "minimum": 1.0},
		"ttl":          {"type": "integer", "minimum": 0.0},
		"features": {"type": "array", "items": schema{
			"type": "object", "required": []string{"type", "geometry", "properties", "id"},
			"properties": map[string]schema{
				"type": {"type": "string", "enum": []any{"Feature"}},
				"id":   {"type": []string{"integer", "string"}},
				"geometry": {"type": "object", "required": []string{"type", "coordinates"}, "properties": map[string]schema{
					"type":        {"type": "string", "enum": []any{"Point"}},
					"coordinates": {"type": "array", "minItems": 2, "maxItems": 2, "items": schema{"type": "number"}, "position": true},
				}},
				"properties": {"type": "object", "required": []string{"name", "total", "capacity", "free", "num_occupied", "state", "lot_type"},
					"properties": map[string]schema{
						"name": {"type": "string"}, "total": {"type": "integer", "minimum": 0.0}, "capacity": {"type": "integer", "minimum": 0.0},
						"free": count, "num_occupied": count,
						"state":    {"type": "string", "enum": []any{"open", "closed", "nodata"}},
						"lot_type": {"type": "string", "enum": []any{"public_lot", "on_street", "public_building", "compound", "commercial"}},
					}},
			}}},
	},
}

// datexSchema: the DATEX II ParkingStatusPublication as we encode it in JSON.
var datexSchema = schema{
	"type": "object", "required": []string{"d2LogicalModel"},
	"properties": map[string]schema{"d2LogicalModel": {
		"type": "object", "required": []string{"modelBaseVersion", "exchange", "payloadPublication"},
		"properties": map[string]schema{
			"exchange": {"type": "object", "required": []string{"supplierIdentification"}},
			"payloadPublication": {"type": "object", "required": []string{"type", "publicationTime", "parkingRecordStatus", "lang"},
				"properties": map[string]schema{
					"type":            {"type": "string", "enum": []any{"ParkingStatusPublication"}},
					"publicationTime": {"type": "string"},
					"parkingRecordStatus": {"type": "array", "items": schema{
						"type": "object", "required": []string{"parkingRecordReference", "parkingSiteStatus", "parkingOccupancy"},
						"properties": map[string]schema{
							"parkingRecordReference": {"type": "object", "required": []string{"id", "version"}},
							"parkingSiteStatus": {"type": "string", "enum": []any{"spacesAvailable", "almostFull", "fullAtEntrance",
								"full", "closed", "unknown"}},
							"parkingOccupancy": {"type": "object", "required": []string{"parkingNumberOfSpacesOverride"},
								"properties": map[string]schema{
									"parkingNumberOfSpacesOverride": {"type": "integer", "minimum": 0.0},
									"parkingNumberOfVacantSpaces":   {"type": "integer", "minimum": 0.0},
									"parkingNumberOfOccupiedSpaces": {"type": "integer", "minimum": 0.0},
									"parkingOccupancy":              {"type": "number", "minimum": 0.0, "maximum": 100.0},
								}},
						}}},
				}},
		}}},
}
