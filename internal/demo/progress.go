package demo

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// Bar is one step's line of progress in a terminal: it redraws itself in
// place with a carriage return, at most once per percent, so a million
// units do not mean a million writes to the terminal. Written elsewhere (a
// log file, a pipe) it draws only its finished line: a hundred redraws
// joined by carriage returns would be one unreadable line there. A nil
// *Bar (quiet generation) does nothing, so steps call it without checking.
type Bar struct {
	w       io.Writer
	live    bool // w is a terminal: redraw in place
	label   string
	total   int
	done    int
	drawn   int // percent last drawn; -1 before the first draw
	started time.Time
}

// barWidth cells of the bar itself; the line stays under 80 columns.
const (
	barWidth   = 28
	labelWidth = 24
)

// Bar starts the progress line of a step that will do total things: Add as
// work is done, Finish when the step ends. It is nil when the generator is
// quiet.
func (e *Env) Bar(label string, total int) *Bar {
	if e.progress == nil {
		return nil
	}
	b := &Bar{w: e.progress, live: isTerminal(e.progress), label: label, total: max(total, 1), drawn: -1, started: time.Now()}
	if b.live {
		b.draw()
	}
	return b
}

// Add records n more things done.
func (b *Bar) Add(n int) {
	if b == nil {
		return
	}
	b.done = min(b.done+n, b.total)
	if b.live && b.percent() != b.drawn {
		b.draw()
	}
}

// Finish draws the full bar with the time taken and ends the line.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.done = b.total
	b.draw()
	fmt.Fprintf(b.w, "  %s\n", time.Since(b.started).Round(time.Millisecond))
}

func (b *Bar) percent() int { return b.done * 100 / b.total }

// isTerminal tells whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (b *Bar) draw() {
	p := b.percent()
	b.drawn = p
	fill := b.done * barWidth / b.total
	cr := ""
	if b.live {
		cr = "\r"
	}
	fmt.Fprintf(b.w, "%s%s [%s%s] %3d%% %s/%s", cr, padRight(b.label, labelWidth),
		strings.Repeat("#", fill), strings.Repeat("-", barWidth-fill), p, thousands(b.done), thousands(b.total))
}

// thousands writes n with thousands separators: 51,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// displayWidth is the width of s in a terminal: Chinese characters take two
// columns, so padding by rune count would misalign every table.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch {
	case r < utf8.RuneSelf:
		return 1
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0xA4CF && r != 0x303F, // CJK radicals … Yi
		r >= 0xAC00 && r <= 0xD7A3,                // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,                // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F,                // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60,                // full-width forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions
		return 2
	}
	return 1
}

// padRight pads s with spaces to width columns.
func padRight(s string, width int) string {
	if w := displayWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}
