package parking

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/web"
)

// The open feeds (除法: the smart parking system connects with navigation).
// Both are public, served from the index, and say when they were made and
// for how long to trust them (GBFS-style last_updated and ttl).

// FeedTTL is how long a consumer may keep a feed before fetching again.
const FeedTTL = 60

// GeoJSON is an RFC 7946 FeatureCollection with the feed's own members.
type GeoJSON struct {
	Type        string    `json:"type"`
	LastUpdated int64     `json:"last_updated" doc:"unix seconds"`
	TTL         int       `json:"ttl" doc:"seconds"`
	Version     string    `json:"version"`
	Features    []Feature `json:"features"`
}

// Feature is one facility.
type Feature struct {
	Type       string         `json:"type"`
	ID         int64          `json:"id"`
	Geometry   Geometry       `json:"geometry"`
	Properties FeatureDetails `json:"properties"`
}

// Geometry is a GeoJSON Point, [longitude, latitude] in WGS-84 as RFC 7946 requires.
type Geometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

// FeatureDetails names fields as ParkAPI does where it has them.
type FeatureDetails struct {
	Name         string `json:"name"`
	Code         string `json:"code"`
	LotType      string `json:"lot_type"`
	Address      string `json:"address"`
	Operator     string `json:"operator"`
	Ownership    string `json:"ownership"`
	Total        int    `json:"total" doc:"all spaces of the facility"`
	Capacity     int    `json:"capacity" doc:"spaces open to the public now"`
	Free         *int   `json:"free" doc:"free of capacity now; null when unknown"`
	NumOccupied  *int   `json:"num_occupied" doc:"capacity − free; null when unknown"`
	State        string `json:"state" doc:"open, closed or nodata"`
	Updated      string `json:"updated,omitempty" doc:"when the live count was taken (RFC 3339)"`
	EVSpaces     int    `json:"ev_spaces"`
	Accessible   int    `json:"accessible_spaces"`
	Reservable   bool   `json:"reservable"`
	Shared       bool   `json:"shared" doc:"has staggered-sharing windows (错时开放)"`
	HourPrice    string `json:"hour_price" doc:"yuan per started hour by day"`
	OpeningHours string `json:"opening_hours" doc:"OSM syntax of the public spaces' hours"`
}

// osmHours writes the daily hours in OpenStreetMap's opening_hours syntax.
func osmHours(h Hours) string {
	if h.Always {
		return "24/7"
	}
	hm := func(m int) string { return twoDigits(m/60) + ":" + twoDigits(m%60) }
	closes := h.Closes
	if closes <= h.Opens {
		closes += 1440 // OSM writes times past midnight as 24:00+
	}
	return "Mo-Su " + hm(h.Opens) + "-" + hm(closes)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func bboxOf(r *http.Request) (*[4]float64, bool) {
	s := r.URL.Query().Get("bbox")
	if s == "" {
		return nil, true
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, false
	}
	var b [4]float64
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(v) {
			return nil, false
		}
		b[i] = v
	}
	return &b, true
}

// BuildGeoJSON is the GeoJSON feed at now.
func (h *Web) BuildGeoJSON(now time.Time, box *[4]float64) GeoJSON {
	live := h.S.Index.Snapshot(now, box)
	out := GeoJSON{Type: "FeatureCollection", LastUpdated: now.Unix(), TTL: FeedTTL, Version: "1.0",
		Features: make([]Feature, 0, len(live))}
	for _, l := range live {
		f := l.F
		d := FeatureDetails{Name: f.Name, Code: f.Code, LotType: string(f.Kind), Address: f.Address, Operator: f.Operator,
			Ownership: string(f.Ownership), Total: f.TotalSpaces, Capacity: l.CapacityNow, EVSpaces: f.EVSpaces,
			Accessible: f.AccessibleSpaces, Reservable: f.ReservableSpaces > 0, Shared: len(f.Rules) > 0,
			HourPrice: yuan(f.Tariff.HourCents), OpeningHours: osmHours(f.Hours)}
		switch {
		case l.CapacityNow == 0 || f.Status != Open:
			d.State = "closed"
		case l.Free < 0:
			d.State = "nodata"
		default:
			d.State = "open"
		}
		if l.Free >= 0 {
			free, occ := l.Free, l.CapacityNow-l.Free
			d.Free, d.NumOccupied = &free, &occ
		}
		if !l.Observed.IsZero() {
			d.Updated = l.Observed.Format(time.RFC3339)
		}
		out.Features = append(out.Features, Feature{Type: "Feature", ID: f.ID,
			Geometry: Geometry{Type: "Point", Coordinates: [2]float64{round6(f.Lng), round6(f.Lat)}}, Properties: d})
	}
	return out
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func (h *Web) geojsonFeed(w http.ResponseWriter, r *http.Request) {
	box, ok := bboxOf(r)
	if !ok {
		web.WriteProblem(w, r, web.ValidationProblem(r, web.FieldErrors{{Field: "bbox", Code: "invalid",
			Message: "bbox 须为 最小经度,最小纬度,最大经度,最大纬度", MessageEn: "bbox must be minLng,minLat,maxLng,maxLat"}}))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(FeedTTL))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "application/geo+json")
	h.S.Index.Fresh(r.Context(), time.Second)
	writeJSONBody(w, h.BuildGeoJSON(h.S.now(), box))
}

// DATEX II-style ParkingStatusPublication, in its JSON encoding.

// Datex is the publication's envelope.
type Datex struct {
	D2 DatexModel `json:"d2LogicalModel"`
}

// DatexModel is the logical model.
type DatexModel struct {
	ModelBaseVersion string             `json:"modelBaseVersion"`
	Exchange         DatexExchange      `json:"exchange"`
	Payload          ParkingStatusPubl  `json:"payloadPublication"`
	Table            *ParkingTableRefer `json:"parkingTablePublicationReference,omitempty"`
}

// DatexExchange names the supplier.
type DatexExchange struct {
	Supplier DatexSupplier `json:"supplierIdentification"`
}

// DatexSupplier is the national identifier of the publisher.
type DatexSupplier struct {
	Country            string `json:"country"`
	NationalIdentifier string `json:"nationalIdentifier"`
}

// ParkingTableRefer points at the static table (the registry feed).
type ParkingTableRefer struct {
	URL string `json:"url"`
}

// ParkingStatusPubl is the status publication.
type ParkingStatusPubl struct {
	Type            string                `json:"type"`
	Lang            string                `json:"lang"`
	PublicationTime string                `json:"publicationTime"`
	TTL             int                   `json:"ttl"`
	Records         []ParkingRecordStatus `json:"parkingRecordStatus"`
}

// ParkingRecordStatus is one facility's status.
type ParkingRecordStatus struct {
	Reference  DatexRef         `json:"parkingRecordReference"`
	OriginTime string           `json:"parkingStatusOriginTime,omitempty"`
	SiteStatus string           `json:"parkingSiteStatus" doc:"spacesAvailable, almostFull, full, closed or unknown"`
	Occupancy  ParkingOccupancy `json:"parkingOccupancy"`
}

// DatexRef is a versioned reference to a parking record.
type DatexRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// ParkingOccupancy counts spaces; the counts are absent when unknown.
type ParkingOccupancy struct {
	Spaces    int      `json:"parkingNumberOfSpacesOverride"`
	Vacant    *int     `json:"parkingNumberOfVacantSpaces,omitempty"`
	Occupied  *int     `json:"parkingNumberOfOccupiedSpaces,omitempty"`
	Occupancy *float64 `json:"parkingOccupancy,omitempty" doc:"percent"`
}

// AlmostFullShare: below this share of free spaces a site is almostFull.
const AlmostFullShare = 0.1

// BuildDatex is the DATEX II-style status publication at now.
func (h *Web) BuildDatex(now time.Time) Datex {
	live := h.S.Index.Snapshot(now, nil)
	pub := ParkingStatusPubl{Type: "ParkingStatusPublication", Lang: "zh", PublicationTime: now.UTC().Format(time.RFC3339),
		TTL: FeedTTL, Records: make([]ParkingRecordStatus, 0, len(live))}
	for _, l := range live {
		rec := ParkingRecordStatus{Reference: DatexRef{ID: "anju-parking-" + strconv.FormatInt(l.F.ID, 10),
			Version: strconv.FormatInt(l.F.Version, 10)}, Occupancy: ParkingOccupancy{Spaces: l.CapacityNow}}
		if !l.Observed.IsZero() {
			rec.OriginTime = l.Observed.Format(time.RFC3339)
		}
		switch {
		case l.CapacityNow == 0 || l.F.Status != Open:
			rec.SiteStatus = "closed"
		case l.Free < 0:
			rec.SiteStatus = "unknown"
		case l.Free == 0:
			rec.SiteStatus = "full"
		case float64(l.Free) < AlmostFullShare*float64(l.CapacityNow):
			rec.SiteStatus = "almostFull"
		default:
			rec.SiteStatus = "spacesAvailable"
		}
		if l.Free >= 0 && l.CapacityNow > 0 {
			free, occ := l.Free, l.CapacityNow-l.Free
			pct := math.Round(float64(occ)/float64(l.CapacityNow)*1000) / 10
			rec.Occupancy.Vacant, rec.Occupancy.Occupied, rec.Occupancy.Occupancy = &free, &occ, &pct
		}
		pub.Records = append(pub.Records, rec)
	}
	return Datex{D2: DatexModel{ModelBaseVersion: "3", Exchange: DatexExchange{Supplier: DatexSupplier{Country: "cn",
		NationalIdentifier: "anju"}}, Payload: pub, Table: &ParkingTableRefer{URL: "/feeds/parking.geojson"}}}
}

func (h *Web) datexFeed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(FeedTTL))
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	h.S.Index.Fresh(r.Context(), time.Second)
	writeJSONBody(w, h.BuildDatex(h.S.now()))
}
