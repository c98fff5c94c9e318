package org

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// This file turns CSV and .xlsx bytes into records and back; it knows
// nothing of units.

// record is one non-blank spreadsheet row: its number as the spreadsheet
// shows it (1-based, header included) and its trimmed cells.
type record struct {
	row   int
	cells []string
}

// maxCells bounds the cells kept per row: the tree has six columns, and a
// stray cell in column XFD must not cost 16,384 strings on every row.
const maxCells = 64

// maxRecords bounds what a reader keeps: the row limit plus the rows a title
// block above the header may take.
const maxRecords = MaxImportRows + maxHeaderRow

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func cleanCells(cells []string) ([]string, bool) {
	if len(cells) > maxCells {
		cells = cells[:maxCells]
	}
	blank := true
	for i, c := range cells {
		cells[i] = strings.TrimSpace(c)
		if cells[i] != "" {
			blank = false
		}
	}
	return cells, blank
}

// readCSV reads a CSV file as Excel writes it: UTF-8 with or without a BOM,
// or — what "CSV" means to Excel on Chinese Windows — GB18030/GBK.
func readCSV(b []byte) ([]record, error) {
	b = bytes.TrimPrefix(b, utf8BOM)
	if !utf8.Valid(b) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return nil, importErr("encoding", "无法识别文件编码，请另存为“CSV UTF-8”格式",
				"unrecognised text encoding; save the file as \"CSV UTF-8\"")
		}
		b = dec
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1 // rows may be ragged: trailing empty cells are often left out
	var out []record
	for {
		cells, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, importErr("csv", fmt.Sprintf("第%d行：CSV 格式有误（%s）", pe.StartLine, csvErrZh(pe.Err)),
				fmt.Sprintf("row %d: malformed CSV (%v)", pe.StartLine, pe.Err))
		} else if err != nil {
			return nil, err
		}
		// The line where the record starts: Excel shows blank lines as
		// rows, which csv skips, so counting records would drift.
		line, _ := r.FieldPos(0)
		cells, blank := cleanCells(cells)
		if blank {
			continue
		}
		if len(out) == maxRecords {
			return nil, tooManyRows()
		}
		out = append(out, record{row: line, cells: cells})
	}
}

func csvErrZh(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "引号不配对或位置不对"
	}
	return "无法解析"
}

// xlsxLimits keep a small file from unpacking into gigabytes (zip bomb):
// real tree files expand about tenfold.
var xlsxLimits = excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 32 << 20, RawCellValue: true}

// readXLSX reads the first worksheet that has a header row (a workbook often
// starts with an instructions sheet), or the first worksheet if none has.
func readXLSX(b []byte) ([]record, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b), xlsxLimits)
	if err != nil {
		return nil, importErr("xlsx", "无法读取 Excel 文件，请确认是 .xlsx 格式（.xls 请另存为 .xlsx）",
			"cannot read the Excel file; it must be .xlsx (save .xls files as .xlsx)")
	}
	defer f.Close()
	var first []record
	for i, sheet := range f.GetSheetList() {
		recs, err := readSheet(f, sheet)
		if err != nil {
			return nil, err
		}
		if _, _, ok := findHeader(recs); ok {
			return recs, nil
		}
		if i == 0 {
			first = recs
		}
	}
	return first, nil
}

func readSheet(f *excelize.File, sheet string) ([]record, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, importErr("xlsx", "无法读取工作表“"+sheet+"”", "cannot read worksheet "+sheet)
	}
	defer rows.Close()
	var out []record
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(xlsxLimits)
		if err != nil {
			return nil, importErr("xlsx", fmt.Sprintf("工作表“%s”第%d行无法读取", sheet, n),
				fmt.Sprintf("worksheet %s, row %d cannot be read", sheet, n))
		}
		cells, blank := cleanCells(cells)
		if blank {
			continue
		}
		if len(out) == maxRecords {
			return nil, tooManyRows()
		}
		out = append(out, record{row: n, cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, importErr("xlsx", "工作表“"+sheet+"”无法读取", "worksheet "+sheet+" cannot be read")
	}
	return out, nil
}

// writeCSV writes a BOM first: without it Excel on Windows reads UTF-8 as
// the local code page and shows Chinese as mojibake. CRLF line ends, as Excel writes.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeXLSX streams rows into one worksheet, header bold and frozen, and
// every value typed as text except numbers, so Excel keeps codes like "0012".
func writeXLSX(w io.Writer, sheet string, header []string, widths []float64, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
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
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
