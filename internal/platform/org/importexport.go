package org

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"anju/internal/platform/auth"
)

// The tree travels as a spreadsheet (台账) with these columns. Districts
// keep their compounds and buildings in Excel; the import is how they arrive.

// Limits of one import. A city's full tree down to buildings is some tens of
// thousands of rows; the limits leave room and stop a runaway file early.
const (
	MaxImportBytes  = 10 << 20
	MaxImportRows   = 200_000
	MaxImportErrors = 1000 // errors listed; the rest are counted in Result.ErrorsOmitted
	maxHeaderRow    = 10   // a title block above the header may take this many rows
)

// Formats of Import and Export.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// ErrRejected is returned by Import with a Result listing the bad rows:
// nothing was written.
var ErrRejected = errors.New("org: import rejected, nothing was written")

// Result is what an import did, or why it did nothing.
type Result struct {
	Rows          int        // data rows read (blank rows are skipped)
	Created       int        // units written: all rows, or none
	Errors        []RowError // by row; non-empty means nothing was written
	ErrorsOmitted int        // errors beyond MaxImportErrors, not listed
}

// RowError is one bad cell. Row is the row number the spreadsheet shows
// (the header is row 1 when it is on top); Field is the column key ("code",
// "name", "kind", "parent_code", "lat", "lng"); Code is a stable machine
// string like FieldError's.
type RowError struct {
	Row       int
	Field     string
	Code      string
	Message   string // "第3行 上级编码：找不到上级单位 X"
	MessageEn string // "Row 3, parent code: no unit with code "X""
}

// ImportError is a file Import cannot read at all: too large, too many rows,
// not a spreadsheet, no header.
type ImportError struct {
	Code      string // "too_large", "too_many_rows", "format", "encoding", "csv", "xlsx", "header", "empty"
	Message   string
	MessageEn string
}

func (e *ImportError) Error() string { return "org import: " + e.MessageEn }

func importErr(code, zh, en string) *ImportError {
	return &ImportError{Code: code, Message: zh, MessageEn: en}
}

func tooManyRows() *ImportError {
	return importErr("too_many_rows", fmt.Sprintf("行数超过上限 %d 行，请拆分后分批导入", MaxImportRows),
		fmt.Sprintf("more than %d rows; split the file", MaxImportRows))
}

// column is one column of the tree spreadsheet.
type column struct {
	key      string
	zh       string   // header written by Export
	aliases  []string // headers Import accepts, normalised by normHeader
	required bool
}

const (
	colCode = iota
	colName
	colKind
	colParent
	colLat
	colLng
	numCols
)

var columns = [numCols]column{
	{"code", "编码", []string{"编码", "代码", "单位编码", "code"}, true},
	{"name", "名称", []string{"名称", "单位名称", "name"}, true},
	{"kind", "类型", []string{"类型", "层级", "kind", "type"}, true},
	{"parent_code", "上级编码", []string{"上级编码", "上级代码", "上级单位编码", "parentcode", "parent"}, true},
	{"lat", "纬度", []string{"纬度", "lat", "latitude"}, false},
	{"lng", "经度", []string{"经度", "lng", "lon", "long", "longitude"}, false},
}

// normHeader makes "Parent_Code", "上级编码*" and "纬度（WGS-84）" comparable
// to the aliases: lower case, remarks in brackets and marks dropped.
func normHeader(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '(' || r == '（' || r == '[' || r == '【':
			depth++
		case r == ')' || r == '）' || r == ']' || r == '】':
			depth = max(depth-1, 0)
		case depth > 0, strings.ContainsRune(" \t_-*:：\ufeff", r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// findHeader finds the header among the first rows: the first row that
// names the code, name and kind columns. idx maps each column to its cell
// (-1 when absent).
func findHeader(recs []record) (idx [numCols]int, at int, ok bool) {
	for at = 0; at < len(recs) && recs[at].row <= maxHeaderRow; at++ {
		for c := range idx {
			idx[c] = -1
		}
		for i, cell := range recs[at].cells {
			h := normHeader(cell)
			for c, col := range columns {
				if idx[c] == -1 && slices.Contains(col.aliases, h) {
					idx[c] = i
				}
			}
		}
		if idx[colCode] >= 0 && idx[colName] >= 0 && idx[colKind] >= 0 {
			return idx, at, true
		}
	}
	return idx, 0, false
}

// Import adds the units of a tree spreadsheet (format "xlsx" or "csv") under
// parents in p's scope, all or nothing, in one transaction. Parents may be
// units already in the database or rows anywhere in the file. If any row is
// bad, nothing is written and Result.Errors lists every bad cell, with
// ErrRejected; a file that cannot be read at all gives an *ImportError.
func (s *Store) Import(ctx context.Context, p *auth.Principal, r io.Reader, format string) (Result, error) {
	if !canManage(p) {
		return Result{}, ErrForbidden
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return Result{}, err
	}
	if len(b) > MaxImportBytes {
		return Result{}, importErr("too_large", fmt.Sprintf("文件超过 %d MB 上限，请拆分后分批导入", MaxImportBytes>>20),
			fmt.Sprintf("the file is larger than %d MiB; split it", MaxImportBytes>>20))
	}
	var recs []record
	switch strings.ToLower(strings.TrimPrefix(format, ".")) {
	case FormatXLSX:
		recs, err = readXLSX(b)
	case FormatCSV:
		recs, err = readCSV(b)
	default:
		return Result{}, importErr("format", "只支持 .xlsx 和 .csv 文件", "only .xlsx and .csv files can be imported")
	}
	if err != nil {
		return Result{}, err
	}
	idx, at, ok := findHeader(recs)
	if !ok {
		return Result{}, importErr("header", "找不到表头：第一行应为 编码、名称、类型、上级编码、纬度、经度",
			"no header row: the first row must name the columns code, name, kind, parent_code, lat, lng")
	}
	for c, col := range columns {
		if col.required && idx[c] < 0 {
			return Result{}, importErr("header", "缺少列："+col.zh, "missing column: "+col.key)
		}
	}
	data := recs[at+1:]
	if len(data) == 0 {
		return Result{}, importErr("empty", "表头以下没有数据", "no rows below the header")
	}
	if len(data) > MaxImportRows {
		return Result{}, tooManyRows()
	}
	return s.importRows(ctx, p, data, idx, format)
}
