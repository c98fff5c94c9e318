package property

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// Spreadsheets (台账): the registry is exchanged with streets and districts as
// .xlsx. Exports write exactly the filtered rows; imports read the same
// columns back, find the header row by its titles (Chinese or English), and
// apply every row or none.

// sheetCol is one column of a ledger: its key, its titles, its width, and
// whether an import reads it (computed and tree columns are export only).
type sheetCol struct {
	key      string
	zh, en   string
	width    float64
	readable bool
}

func (c sheetCol) title(l web.Lang) string { return pick(l, c.zh, c.en) }

// maxSheetBytes bounds an uploaded workbook; maxSheetRows its data rows.
const (
	maxSheetBytes = 16 << 20
	maxSheetRows  = 60000
)

var xlsxOptions = excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 64 << 20, RawCellValue: true}

// writeSheet streams a workbook of one sheet: bold, frozen header, then rows.
func writeSheet(w io.Writer, sheet string, cols []sheetCol, l web.Lang, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = c.title(l)
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	for i, row := range rows {
		for j, v := range row {
			// Text that looks like a formula is written as text, never run.
			if s, ok := v.(string); ok && s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
				row[j] = "'" + s
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// sheetRow is one data row of an import: its row number in the sheet and
// its values by column key.
type sheetRow struct {
	n    int
	vals map[string]string
}

func (r sheetRow) get(key string) string { return strings.TrimSpace(r.vals[key]) }

// RowError is a rejected row of an import.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// importError is a file that cannot be imported as a whole.
type importError struct{ zh, en string }

func (e *importError) Error() string { return e.en }

// FieldInfo shows it beside the file input.
func (e *importError) FieldInfo() (string, string, string, string) {
	return "file", "invalid", e.zh, e.en
}

// readSheetRows reads the first worksheet with a header row naming the key
// column, mapping each data row's cells to column keys.
func readSheetRows(r io.Reader, cols []sheetCol, key string) ([]sheetRow, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSheetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSheetBytes {
		return nil, &importError{"文件过大（上限 16 MB）", "the file is too large (16 MB at most)"}
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), xlsxOptions)
	if err != nil {
		return nil, &importError{"无法读取 Excel 文件，请确认是 .xlsx 格式", "cannot read the file; it must be .xlsx"}
	}
	defer f.Close()
	titles := map[string]string{}
	for _, c := range cols {
		titles[normTitle(c.zh)], titles[normTitle(c.en)] = c.key, c.key
	}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, xlsxOptions)
		if err != nil {
			return nil, &importError{"无法读取工作表“" + sheet + "”", "cannot read worksheet " + sheet}
		}
		for hi, row := range rows {
			idx := map[int]string{}
			for j, cell := range row {
				if k, ok := titles[normTitle(cell)]; ok {
					idx[j] = k
				}
			}
			hasKey := false
			for _, k := range idx {
				hasKey = hasKey || k == key
			}
			if !hasKey {
				continue
			}
			var out []sheetRow
			for n, data := range rows[hi+1:] {
				sr := sheetRow{n: hi + n + 2, vals: map[string]string{}}
				blank := true
				for j, cell := range data {
					if k, ok := idx[j]; ok {
						sr.vals[k] = cell
						blank = blank && strings.TrimSpace(cell) == ""
					}
				}
				if blank {
					continue
				}
				if len(out) == maxSheetRows {
					return nil, &importError{fmt.Sprintf("一次最多导入 %d 行", maxSheetRows), fmt.Sprintf("at most %d rows per file", maxSheetRows)}
				}
				out = append(out, sr)
			}
			return out, nil
		}
	}
	return nil, &importError{"没有找到表头（须有“" + colTitle(cols, key, web.ZH) + "”一列）",
		"no header row found (it needs a column \"" + colTitle(cols, key, web.EN) + "\")"}
}

func colTitle(cols []sheetCol, key string, l web.Lang) string {
	for _, c := range cols {
		if c.key == key {
			return c.title(l)
		}
	}
	return key
}

func normTitle(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer("*", "", "（", "(", "）", ")").Replace(s)), " "))
}

// sheetBool reads 是/否, yes/no, Y/N, 1/0, √; ok is false for anything else.
func sheetBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "有", "yes", "y", "1", "true", "√", "已成立", "已建立":
		return true, true
	case "否", "无", "no", "n", "0", "false", "", "未成立", "未建立":
		return false, true
	}
	return false, false
}

// sheetDate reads a date cell: text like 2026-03-01 or 2026/3/1, or an
// Excel serial number (a cell formatted as a date, read raw).
func sheetDate(s string) string {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 20000 && n < 80000 {
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
		return t.Format(time.DateOnly)
	}
	return s
}

// boolCell is a flag as the export writes it.
func boolCell(l web.Lang, b bool) string {
	if b {
		return pick(l, "是", "yes")
	}
	return pick(l, "否", "no")
}

// sendXLSX answers with a workbook.
func sendXLSX(w io.Writer, hdr interface{ Set(string, string) }, name string, buf *bytes.Buffer) {
	hdr.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	hdr.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
}
