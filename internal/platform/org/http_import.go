package org

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// ImportJSON is what a successful import did.
type ImportJSON struct {
	Rows    int `json:"rows" doc:"data rows read"`
	Created int `json:"created" doc:"units written"`
}

// importView is what the import page shows after an upload.
type importView struct {
	File     string
	Result   *Result
	Rejected bool
	Errors   []RowError
}

// formatOf picks the import format: an explicit ?format= first, else the
// file name's extension.
func formatOf(explicit, filename string) string {
	if f := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(explicit), ".")); f != "" {
		return f
	}
	return strings.ToLower(strings.TrimPrefix(path.Ext(filename), "."))
}

// upload returns the uploaded spreadsheet and its format: the multipart
// field "file", or the raw body with ?format=.
func upload(r *http.Request) (io.Reader, string, string, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, fh, err := r.FormFile("file")
		if err != nil {
			return nil, "", "", err
		}
		return f, formatOf(r.URL.Query().Get("format"), fh.Filename), fh.Filename, nil
	}
	return r.Body, formatOf(r.URL.Query().Get("format"), ""), "", nil
}

var errNoFile = &FieldError{Field: "file", Code: "required", Message: "请选择要导入的 .xlsx 或 .csv 文件",
	MessageEn: "choose an .xlsx or .csv file to import"}

func (h *Handler) importAPI(w http.ResponseWriter, r *http.Request) {
	body, format, _, err := upload(r)
	if err != nil {
		if tooLarge(err) {
			fail(w, r, importErr("too_large", "文件过大", "the file is too large"))
			return
		}
		web.Fail(w, r, errNoFile)
		return
	}
	p := auth.FromContext(r.Context())
	res, err := h.Store.Import(r.Context(), p, body, format)
	if errors.Is(err, ErrRejected) {
		web.WriteProblem(w, r, rejectedProblem(web.LangOf(r), res))
		return
	}
	if err != nil {
		if tooLarge(err) {
			err = importErr("too_large", "文件过大", "the file is too large")
		}
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ImportJSON{Rows: res.Rows, Created: res.Created})
}

// rejectedProblem lists every bad cell of a rejected import, each named
// "row N: field" so a client can point at the cell.
func rejectedProblem(l web.Lang, res Result) *web.Problem {
	p := web.NewProblem(l, http.StatusUnprocessableEntity, web.ProblemValidation,
		web.T(l, "org.import.rejected_detail", len(res.Errors)+res.ErrorsOmitted))
	for _, e := range res.Errors {
		p.Errors = append(p.Errors, web.FieldDetail{Field: fmt.Sprintf("row %d: %s", e.Row, e.Field), Code: e.Code, Message: e.text(l)})
	}
	p.Extra = map[string]any{"rows": res.Rows, "written": 0, "errors_omitted": res.ErrorsOmitted}
	return p
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (h *Handler) importPage(w http.ResponseWriter, r *http.Request) {
	h.renderImport(w, r, http.StatusOK, importView{}, nil)
}

func (h *Handler) renderImport(w http.ResponseWriter, r *http.Request, status int, iv importView, errs map[string]string) {
	v := web.NewView(r, "admin", iv)
	v.Title = v.T("org.import.title")
	v.Errors = errs
	pages.Render(w, r, status, "import", v)
}

func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	body, format, name, err := upload(r)
	if err != nil {
		msg := errNoFile.Text(string(l))
		status := http.StatusUnprocessableEntity
		if tooLarge(err) {
			msg, status = web.T(l, "org.import.too_large"), http.StatusRequestEntityTooLarge
		}
		h.renderImport(w, r, status, importView{}, map[string]string{"file": msg})
		return
	}
	iv := importView{File: name}
	res, err := h.Store.Import(r.Context(), auth.FromContext(r.Context()), body, format)
	var ie *ImportError
	switch {
	case errors.Is(err, ErrRejected):
		iv.Rejected, iv.Errors, iv.Result = true, res.Errors, &res
		h.renderImport(w, r, http.StatusUnprocessableEntity, iv, nil)
	case errors.As(err, &ie):
		h.renderImport(w, r, http.StatusUnprocessableEntity, iv, map[string]string{"file": ie.text(l)})
	case err != nil:
		pageFail(w, r, err)
	default:
		iv.Result = &res
		h.renderImport(w, r, http.StatusOK, iv, nil)
	}
}

// export sends the units of the caller's jurisdiction as a spreadsheet. It
// is built in memory first so that a failure is a clean error page, not a
// truncated download.
func (h *Handler) export(format string) http.HandlerFunc {
	ctype := map[string]string{
		FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		FormatCSV:  "text/csv; charset=utf-8",
	}[format]
	return func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := h.Store.Export(r.Context(), auth.FromContext(r.Context()), &buf, format); err != nil {
			pageFail(w, r, err)
			return
		}
		name := "org-units-" + time.Now().In(web.Location).Format("20060102") + "." + format
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = buf.WriteTo(w)
	}
}
