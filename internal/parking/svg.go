package parking

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// point is one value of a time series.
type point struct {
	T time.Time
	V float64
}

// lineChart draws a small SVG line chart of values between 0 and top
// (occupancy shares), server-side: the pages need no chart library, and the
// numbers are in a table beside it.
func lineChart(pts []point, top float64, label string) template.HTML {
	const w, h, pad = 700.0, 160.0, 24.0
	if len(pts) < 2 {
		return ""
	}
	t0, t1 := pts[0].T, pts[len(pts)-1].T
	span := t1.Sub(t0).Seconds()
	if span <= 0 {
		span = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(label))
	for _, g := range []float64{0, 0.5, 1} {
		y := h - pad - g*(h-2*pad)
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#d9dee5"/><text x="2" y="%.1f" font-size="10" fill="#616e7c">%.0f%%</text>`,
			pad, y, w-pad/2, y, y+3, g*top*100)
	}
	b.WriteString(`<polyline fill="none" stroke="#1a4f9c" stroke-width="1.5" points="`)
	for _, p := range pts {
		x := pad + p.T.Sub(t0).Seconds()/span*(w-1.5*pad)
		y := h - pad - min(max(p.V/top, 0), 1)*(h-2*pad)
		fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
	}
	b.WriteString(`"/>`)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="10" fill="#616e7c">%s</text>`, pad, h-6, t0.In(chartLoc).Format("01-02 15:04"))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="10" fill="#616e7c" text-anchor="end">%s</text>`, w-pad/2, h-6, t1.In(chartLoc).Format("01-02 15:04"))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartLoc is the zone chart labels are written in (set by the app).
var chartLoc = time.FixedZone("CST", 8*3600)
