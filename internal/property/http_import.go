package property

import (
	"errors"
	"fmt"
	"net/http"

	"anju/internal/platform/web"
)

type importData struct {
	Kind   string // compounds or companies
	File   string
	Result *ImportResult
}

func (s *Service) importPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		render(w, r, http.StatusOK, "import", "property.import."+kind, importData{Kind: kind}, nil)
	}
}

func (s *Service) importPost(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := web.LangOf(r)
		d := importData{Kind: kind}
		f, fh, err := r.FormFile("file")
		if err != nil {
			render(w, r, http.StatusUnprocessableEntity, "import", "property.import."+kind, d,
				map[string]string{"file": pick(l, "请选择要导入的 .xlsx 文件", "choose an .xlsx file to import")})
			return
		}
		defer f.Close()
		d.File = fh.Filename
		var res ImportResult
		if kind == "companies" {
			res, err = s.ImportCompanies(r.Context(), f, l)
		} else {
			res, err = s.ImportCompounds(r.Context(), f, l)
		}
		d.Result = &res
		switch {
		case errors.Is(err, errRejected):
			render(w, r, http.StatusUnprocessableEntity, "import", "property.import."+kind, d, nil)
		case err != nil:
			if errs, ok := formErrors(l, err); ok {
				d.Result = nil
				render(w, r, http.StatusUnprocessableEntity, "import", "property.import."+kind, d, errs)
				return
			}
			pageFail(w, r, err)
		default:
			render(w, r, http.StatusOK, "import", "property.import."+kind, d, nil)
		}
	}
}

func (s *Service) compoundsExport(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="compounds-%s.xlsx"`, s.now().In(web.Location).Format("20060102-1504")))
	w.Header().Set("Cache-Control", "no-store")
	bw := &bufferedWriter{}
	if _, err := s.ExportCompounds(r.Context(), bw, l, parseCompoundFilter(r.URL.Query())); err != nil {
		w.Header().Del("Content-Disposition")
		pageFail(w, r, err)
		return
	}
	_, _ = w.Write(bw.b)
}

// bufferedWriter holds an export until it is complete, so a failure gives an
// error page instead of half a file.
type bufferedWriter struct{ b []byte }

func (w *bufferedWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
