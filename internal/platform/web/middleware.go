package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"anju/internal/platform/auth"
)

// Authenticator turns a session cookie or a bearer token into a principal.
// auth.Service implements it; the web layer does not know the tables.
type Authenticator interface {
	Session(ctx context.Context, sessionID, ip string) (*auth.Principal, error)
	TokenPrincipal(ctx context.Context, token, ip string) (*auth.Principal, error)
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "anju_session"

// csrfCookie carries the double-submit token of visitors who have not
// logged in yet (the login and registration forms).
const csrfCookie = "anju_csrf"

// CookieSecure marks cookies Secure; on by default, off only for plain-HTTP
// development on loopback (the app decides).
var CookieSecure = true

// Recover turns a panic in a handler into a 500 problem and a log line with the stack.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				WriteProblem(w, r, NewProblem(LangOf(r), http.StatusInternalServerError, ProblemInternal, ""))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders are sent with every response. The content security policy
// allows only the server's own scripts, styles and images: pages make no
// outside requests (government intranets have no internet).
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "same-origin"},
	{"Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"},
}

// Secure sets the security headers.
func Secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range securityHeaders {
			h[kv[0]] = []string{kv[1]}
		}
		if CookieSecure {
			// A deployment with Secure cookies is served over HTTPS: keep it so.
			h["Strict-Transport-Security"] = []string{"max-age=31536000"}
		}
		next.ServeHTTP(w, r)
	})
}

// Identify attaches the principal: from a bearer token, or from the session
// cookie, else anonymous. A session that has expired simply yields an
// anonymous visitor (and the cookie is cleared). No database work is done
// for requests that carry neither.
func Identify(a Authenticator, trustProxy bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := ClientIP(r, trustProxy)
			var p *auth.Principal
			if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
				tp, err := a.TokenPrincipal(r.Context(), strings.TrimPrefix(h, "Bearer "), ip)
				if err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer realm="anju", error="invalid_token"`)
					WriteProblem(w, r, NewProblem(LangOf(r), http.StatusUnauthorized, ProblemUnauthorized, T(LangOf(r), "auth.bad_token")))
					return
				}
				p = tp
			} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				sp, err := a.Session(r.Context(), c.Value, ip)
				if err == nil {
					p = sp
				} else {
					ClearCookie(w, SessionCookie)
				}
			}
			if p == nil {
				p = &auth.Principal{}
			}
			p.IP = ip
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
}

// ClientIP is the caller's address. Behind a proxy the operator declared
// (--trust-proxy), it is the last X-Forwarded-For entry — the one that
// proxy appended; earlier entries come from the client and can be forged.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := strings.TrimSpace(last); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// CSRF protects form posts. Logged-in users must send their session's token
// (form field "csrf" or header X-CSRF-Token); visitors must echo the
// double-submit cookie. Requests authenticated by a bearer token carry no
// ambient credentials and are exempt. Cross-origin unsafe requests are also
// refused by the browser's Sec-Fetch-Site / Origin headers.
func CSRF(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := LangOf(r)
		if WantsJSON(r) {
			WriteProblem(w, r, NewProblem(l, http.StatusForbidden, ProblemForbidden, T(l, "csrf.failed")))
			return
		}
		ErrorPage(w, r, http.StatusForbidden, T(l, "problem.forbidden"), T(l, "csrf.failed"))
	})
	cop.SetDenyHandler(deny)
	check := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			ensureCSRFCookie(w, r)
			next.ServeHTTP(w, r)
			return
		}
		p := auth.FromContext(r.Context())
		if p.TokenID != 0 {
			next.ServeHTTP(w, r)
			return
		}
		// Open311 clients authenticate every write with the api_key in the
		// form; nothing under /open311/ acts on a session, so a forged post
		// gains nothing (cross-site browsers are still refused above).
		if strings.HasPrefix(r.URL.Path, "/open311/") {
			next.ServeHTTP(w, r)
			return
		}
		// Logging out cannot be abused (at worst it ends a session), and a
		// session that has just expired must still be able to leave.
		if r.URL.Path == "/logout" && p.UserID == 0 {
			next.ServeHTTP(w, r)
			return
		}
		// A visitor's JSON request (API login) cannot come from another
		// site's form: browsers send application/json cross-site only after
		// a CORS preflight, which this server never grants, and
		// CrossOriginProtection has checked Fetch Metadata already.
		if p.UserID == 0 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			next.ServeHTTP(w, r)
			return
		}
		want := p.CSRFToken
		if want == "" {
			if c, err := r.Cookie(csrfCookie); err == nil {
				want = c.Value
			}
		}
		got := r.Header.Get("X-CSRF-Token")
		if got == "" && isForm(r) {
			got = r.PostFormValue("csrf")
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			deny.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
	return cop.Handler(check)
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

func WantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "json")
}

// ensureCSRFCookie gives an anonymous visitor a double-submit token when a
// page is fetched, so the login form can carry it.
func ensureCSRFCookie(w http.ResponseWriter, r *http.Request) {
	if auth.FromContext(r.Context()).UserID != 0 {
		return
	}
	if c, err := r.Cookie(csrfCookie); err == nil && c.Value != "" {
		return
	}
	if strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/api/") ||
		r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
		return
	}
	tok := RandomToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: CookieSecure, SameSite: http.SameSiteStrictMode})
	// Let the page being rendered now see it too.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
}

// CSRFToken returns the token a form on this request must carry.
func CSRFToken(r *http.Request) string {
	if p := auth.FromContext(r.Context()); p.CSRFToken != "" {
		return p.CSRFToken
	}
	if c, err := r.Cookie(csrfCookie); err == nil {
		return c.Value
	}
	return ""
}

// RandomToken returns 32 random bytes, base64url-encoded.
func RandomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetSessionCookie stores the session id in the browser: HttpOnly, SameSite
// Lax (links from other sites still arrive logged in), Secure unless disabled
// for local HTTP. No Max-Age: the server enforces idle and absolute limits.
func SetSessionCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true,
		Secure: CookieSecure, SameSite: http.SameSiteLaxMode})
}

// ClearCookie removes a cookie.
func ClearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: CookieSecure, SameSite: http.SameSiteLaxMode})
}

// LimitBody caps every request body before anything reads it (the CSRF
// check parses forms). limit gives the cap for a request: the default, or a
// route's own MaxBody for uploads.
func LimitBody(limit func(r *http.Request) int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.ContentLength != 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit(r))
		}
		next.ServeHTTP(w, r)
	})
}

// BodyLimits returns the limit function for a route table: MaxBodyBytes,
// or the MaxBody of the route a request goes to.
func BodyLimits(routes []Route) func(r *http.Request) int64 {
	m := http.NewServeMux()
	for _, rt := range routes {
		if rt.MaxBody > 0 {
			m.Handle(rt.Pattern, maxBody(rt.MaxBody))
		}
	}
	return func(r *http.Request) int64 {
		if h, pattern := m.Handler(r); pattern != "" {
			if n, ok := h.(maxBody); ok {
				return int64(n)
			}
		}
		return MaxBodyBytes
	}
}

type maxBody int64

func (maxBody) ServeHTTP(http.ResponseWriter, *http.Request) {}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// RememberLang keeps a language chosen with ?lang= in a cookie for a year.
func RememberLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("lang"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(parseLang(v)), Path: "/",
				MaxAge: 365 * 24 * 3600, Secure: CookieSecure, SameSite: http.SameSiteLaxMode})
		}
		next.ServeHTTP(w, r)
	})
}
