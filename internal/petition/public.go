package petition

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// maxPublicFiles a petitioner attaches to the form.
const maxPublicFiles = 3

func (h *Handler) publicRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /petition/new", Access: web.Public, Handler: h.newPage},
		{Pattern: "POST /petition/new", Access: web.Public, Handler: h.newSubmit, MaxBody: maxPublicFiles*casework.MaxAttachment + 256<<10},
		{Pattern: "GET /petition/places", Access: web.Public, Handler: h.placesFragment},
		{Pattern: "GET /petition/submitted", Access: web.Public, Handler: h.submittedPage},
		{Pattern: "GET /petition/track", Access: web.Public, Handler: h.trackPage},
		{Pattern: "POST /petition/track", Access: web.Public, Handler: h.trackPost},
		{Pattern: "POST /petition/track/act", Access: web.Public, Handler: h.trackAct},
		{Pattern: "POST /petition/track/file", Access: web.Public, Handler: h.trackFile},
		{Pattern: "GET /petition/mine", Access: web.Roles(auth.Citizen, auth.Company), Handler: h.minePage},
	}
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request) {
	p := casework.Me(r)
	if p.Role.IsStaff() {
		http.Redirect(w, r, "/petition/entry", http.StatusSeeOther)
		return
	}
	fd := formData{Sub: Submission{Kind: KindComplaint}}
	if err := h.fillForm(r.Context(), r, &fd, false); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "new", "petition.new.title", fd, nil)
}

// submittedData is the receipt page: the number and the check code, shown once.
type submittedData struct {
	R     Receipt
	Files int
}

func (h *Handler) newSubmit(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	sub, fd, errs := submissionOf(r)
	sub.Channel = ChannelWeb
	sub.ReceivedAt = nil
	var files []fileUpload
	if len(errs) == 0 {
		var err error
		if files, err = publicFiles(r); err != nil {
			if m, ok := formErrors(l, err); ok {
				errs = m
			} else {
				casework.PageFail(w, r, err)
				return
			}
		}
	}
	if len(errs) == 0 {
		c, err := h.S.Submit(r.Context(), sub)
		if err == nil {
			// The files go in after the petition is safely filed, each in
			// its own transaction: intake stays one short write.
			ctx := casework.WithPartyProof(r.Context(), c.ID)
			n := 0
			for _, f := range files {
				if _, err := h.e().Attach(ctx, c.ID, f.name, f.data, true); err == nil {
					n++
				}
			}
			// Post/redirect/get: reloading the receipt must not file the
			// petition again. The receipt's number and check code go to
			// the receipt page in a short-lived cookie of that page only,
			// not in its address (which browsers keep in their history).
			http.SetCookie(w, &http.Cookie{Name: receiptCookie, Value: c.Number + "." + c.CheckCode + "." + strconv.Itoa(n),
				Path: "/petition/submitted", MaxAge: receiptCookieAge, HttpOnly: true, Secure: web.CookieSecure, SameSite: http.SameSiteLaxMode})
			http.Redirect(w, r, "/petition/submitted", http.StatusSeeOther)
			return
		}
		m, ok := formErrors(l, err)
		if !ok {
			pageProblem(w, r, err)
			return
		}
		errs = m
	}
	if err := h.fillForm(r.Context(), r, &fd, false); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, "new", "petition.new.title", fd, errs)
}

// The receipt cookie (number.check.files) carries the receipt across the
// redirect; it is deleted when shown, and lives at most five minutes if
// the redirect is never followed.
const (
	receiptCookie    = "petition_receipt"
	receiptCookieAge = 300
)

// submittedPage shows the receipt of the petition just filed from this
// browser; without one it sends the visitor to the tracking page.
func (h *Handler) submittedPage(w http.ResponseWriter, r *http.Request) {
	// Shown once: the number and check code act on the petition, and a
	// browser may be shared (a kiosk in the reception hall). A reload then
	// goes to tracking, where the petitioner types them.
	http.SetCookie(w, &http.Cookie{Name: receiptCookie, Path: "/petition/submitted", MaxAge: -1})
	var parts []string
	if ck, err := r.Cookie(receiptCookie); err == nil {
		parts = strings.Split(ck.Value, ".")
	}
	var c casework.Case
	err := errNotFound
	if len(parts) == 3 {
		c, _, err = h.S.Track(r.Context(), parts[0], parts[1])
	}
	if err != nil {
		http.Redirect(w, r, "/petition/track", http.StatusSeeOther)
		return
	}
	n, _ := strconv.Atoi(parts[2])
	render(w, r, http.StatusOK, "submitted", "petition.submitted.title", submittedData{R: receiptOf(c), Files: n}, nil)
}

type fileUpload struct {
	name string
	data []byte
}

// publicFiles reads up to maxPublicFiles files of the form's "files" field,
// each checked by content.
func publicFiles(r *http.Request) ([]fileUpload, error) {
	if r.MultipartForm == nil || r.MultipartForm.File == nil {
		return nil, nil
	}
	fhs := r.MultipartForm.File["files"]
	var out []fileUpload
	for _, fh := range fhs {
		if fh.Size == 0 {
			continue
		}
		if len(out) == maxPublicFiles {
			return nil, casework.FieldErrors{casework.Invalid("files", "too_many", "最多上传3个文件", "at most 3 files")}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, casework.MaxAttachment+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		if _, err := casework.SniffAttachment(data); err != nil {
			var fe casework.FieldErrors
			if errors.As(err, &fe) {
				fe[0].Field = "files"
				fe[0].Zh = fh.Filename + "：" + fe[0].Zh
				fe[0].En = fh.Filename + ": " + fe[0].En
			}
			return nil, err
		}
		out = append(out, fileUpload{fh.Filename, data})
	}
	return out, nil
}

// trackData is the tracking page: the form, or the petition.
type trackData struct {
	Number  string
	Check   string
	Case    *PublicCase
	Ratings []option
	Message string
	Mine    bool // logged in as the petitioner: no check code needed
}

func (h *Handler) trackPage(w http.ResponseWriter, r *http.Request) {
	number := r.URL.Query().Get("number")
	p := casework.Me(r)
	if number != "" && p.UserID != 0 && p.Role.IsPublic() {
		// A logged-in petitioner follows their own petitions by link.
		h.showTrack(w, r, number, "", "", nil)
		return
	}
	render(w, r, http.StatusOK, "track", "petition.track.title", trackData{Number: number}, nil)
}

func (h *Handler) trackPost(w http.ResponseWriter, r *http.Request) {
	h.showTrack(w, r, r.PostFormValue("number"), r.PostFormValue("check"), "", nil)
}

// showTrack finds the petition for its petitioner and shows it.
func (h *Handler) showTrack(w http.ResponseWriter, r *http.Request, number, check, msg string, errs map[string]string) {
	l := web.LangOf(r)
	c, ctx, err := h.S.Track(r.Context(), number, check)
	if err != nil {
		h.trackFailed(w, r, number, err)
		return
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.renderTrack(ctx, w, r, status, c, number, check, msg, errs, l)
}

func (h *Handler) renderTrack(ctx context.Context, w http.ResponseWriter, r *http.Request, status int, c casework.Case,
	number, check, msg string, errs map[string]string, l web.Lang) {
	pc, err := h.S.Public(ctx, c, func(s string) string { return stateLabel(l, s) })
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	p := casework.Me(r)
	render(w, r, status, "track", "petition.track.title", trackData{Number: c.Number, Check: check, Case: &pc,
		Ratings: options(l, "petition.rating.", Ratings), Message: msg, Mine: p.UserID != 0 && p.UserID == c.PartyUserID}, errs)
}

func (h *Handler) trackFailed(w http.ResponseWriter, r *http.Request, number string, err error) {
	l := web.LangOf(r)
	var locked *TrackLockedError
	switch {
	case errors.Is(err, ErrTrack):
		render(w, r, http.StatusNotFound, "track", "petition.track.title", trackData{Number: number},
			map[string]string{"check": web.T(l, "petition.track.not_found")})
	case errors.As(err, &locked):
		render(w, r, http.StatusTooManyRequests, "track", "petition.track.title", trackData{Number: number},
			map[string]string{"check": web.T(l, "petition.track.locked")})
	default:
		casework.PageFail(w, r, err)
	}
}

// trackFile downloads a public attachment of the petition for its
// petitioner. It is a POST so the check code stays out of addresses.
func (h *Handler) trackFile(w http.ResponseWriter, r *http.Request) {
	number := r.PostFormValue("number")
	c, ctx, err := h.S.Track(r.Context(), number, r.PostFormValue("check"))
	if err != nil {
		h.trackFailed(w, r, number, err)
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("file"), 10, 64)
	a, data, err := h.e().AttachmentContent(ctx, id)
	if err == nil && (a.CaseID != c.ID || !a.Public) {
		err = errNotFound
	}
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	writeAttachment(w, a, data)
}

func (h *Handler) trackAct(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	number, check, action := r.PostFormValue("number"), r.PostFormValue("check"), r.PostFormValue("action")
	c, ctx, err := h.S.Track(r.Context(), number, check)
	if err != nil {
		h.trackFailed(w, r, number, err)
		return
	}
	if !contains(partyActions, action) {
		casework.PageFail(w, r, errNotFound)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := casework.Input{Rating: r.PostFormValue("rating"), Text: r.PostFormValue("text"), Reason: r.PostFormValue("reason")}
	got, err := h.e().Act(ctx, c.ID, version, action, in)
	if err == nil {
		got, err = h.e().Get(ctx, got.ID)
	}
	if err == nil {
		h.renderTrack(ctx, w, r, http.StatusOK, got, number, check, web.T(l, "petition.track.done."+action), nil, l)
		return
	}
	var ce *casework.ConflictError
	var se *casework.StateError
	switch {
	case errors.As(err, &ce):
		h.renderTrack(ctx, w, r, http.StatusConflict, ce.Current, number, check, web.T(l, "petition.conflict"), nil, l)
	case errors.As(err, &se):
		msg := se.Zh
		if l == web.EN {
			msg = se.En
		}
		h.renderTrack(ctx, w, r, http.StatusConflict, se.Current, number, check, msg, nil, l)
	default:
		if m, ok := formErrors(l, err); ok {
			h.renderTrack(ctx, w, r, http.StatusUnprocessableEntity, c, number, check, "", m, l)
			return
		}
		casework.PageFail(w, r, err)
	}
}

type mineData struct {
	Rows  []PublicCase
	Total int
	Page  int
	Pages int
}

func (h *Handler) minePage(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	pg := web.PagingOf(r)
	cs, total, err := h.e().List(r.Context(), casework.Filter{Type: TypeName, Page: pg.Page, Size: pg.Size})
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	d := mineData{Total: total, Page: pg.Page, Pages: pg.Pages(total)}
	for _, c := range cs {
		pc, err := h.S.Public(r.Context(), c, func(s string) string { return stateLabel(l, s) })
		if err != nil {
			casework.PageFail(w, r, err)
			return
		}
		d.Rows = append(d.Rows, pc)
	}
	render(w, r, http.StatusOK, "mine", "petition.mine.title", d, nil)
}
