package property

import (
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/platform/web"
)

// locOf is the city's time zone.
func locOf() *time.Location { return web.Location }

func ioReadFull(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return n, err
}

// cleanFileName keeps the base name of an upload, without control
// characters or quotes, at most 100 characters.
func cleanFileName(s string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	for utf8.RuneCountInString(s) > 100 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	if s == "" || s == "." || s == "/" {
		s = "evidence"
	}
	return s
}
