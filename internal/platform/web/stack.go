package web

import "net/http"

// Stack wraps h (a mux of the route table) in the platform's middleware, in
// the one order the app and tests share: recover → security headers → body
// limits → language → who is asking → CSRF.
func Stack(a Authenticator, trustProxy bool, routes []Route, h http.Handler) http.Handler {
	h = CSRF(h)
	h = Identify(a, trustProxy)(h)
	h = RememberLang(h)
	h = LimitBody(BodyLimits(routes), h)
	h = Secure(h)
	return Recover(h)
}

// Mux registers each route behind its access gate. Tests use it to serve
// one package's routes; the app adds metrics around each.
func Mux(routes []Route) *http.ServeMux {
	m := http.NewServeMux()
	for _, rt := range routes {
		m.Handle(rt.Pattern, Guard(rt))
	}
	return m
}
