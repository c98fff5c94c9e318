package open311

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"anju/internal/casework"
)

// Published texts (a request's description, the timeline's notes) are
// written by people, who put personal data in them. What can be recognised
// is masked before anything is published: the petitioner's own name and
// phone as the case records them, and anything shaped like a mainland
// mobile number, a resident identity card number or an e-mail address.

var (
	digitRun = regexp.MustCompile(`\d{11,}[\dXx]?`)
	email    = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
)

// maskText masks personal data in s, for case c.
func maskText(s string, c *casework.Case) string {
	if c.PartyPhone != "" {
		s = strings.ReplaceAll(s, c.PartyPhone, maskDigits(c.PartyPhone))
	}
	if name := strings.TrimSpace(c.PartyName); utf8.RuneCountInString(name) >= 2 {
		s = strings.ReplaceAll(s, name, maskName(name))
	}
	s = digitRun.ReplaceAllStringFunc(s, func(run string) string {
		switch {
		case mobile(run):
			return maskDigits(run)
		case len(run) == 13 && run[:2] == "86" && mobile(run[2:]):
			return run[:2] + maskDigits(run[2:]) // with the country code
		case len(run) == 18:
			return run[:6] + strings.Repeat("*", 8) + run[14:] // an identity card number
		}
		return run
	})
	return email.ReplaceAllStringFunc(s, func(addr string) string {
		at := strings.IndexByte(addr, '@')
		return addr[:1] + "***" + addr[at:]
	})
}

// mobile tells whether run is a mainland mobile number.
func mobile(run string) bool {
	return len(run) == 11 && run[0] == '1' && run[1] >= '3' && run[1] <= '9'
}

// maskDigits keeps the first three and last four characters: 138****1234.
func maskDigits(s string) string {
	if len(s) <= 7 {
		return strings.Repeat("*", len(s))
	}
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}

// maskName keeps the first character: 张**.
func maskName(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(r) + strings.Repeat("*", utf8.RuneCountInString(s[size:]))
}
