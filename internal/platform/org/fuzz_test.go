package org

import (
	"bytes"
	"errors"
	"testing"

	"anju/internal/platform/db/dbtest"
)

// FuzzImportCSV feeds the importer arbitrary bytes: it must never panic, and
// must write all of a file or none of it. One migrated SQLite database is
// reused across inputs so each run stays fast; files that succeed add units,
// which later inputs then meet as existing parents and duplicates.
func FuzzImportCSV(f *testing.F) {
	d := dbtest.SQLite(f, sources...)
	s, _ := newStore(d)
	seeds := [][]byte{
		csvOf(header, []string{"SH", "上海市", "市", "", "31.23", "121.47"}, []string{"HP", "黄浦区", "区", "SH"}),
		csvOf(header, []string{"HP-NJ", "南京东路街道", "街道", "HP"}, []string{"X", "", "村", "NOPE", "91", "x"}),
		append([]byte("\xEF\xBB\xBF"), csvOf([]string{"code", "name", "kind", "parent_code"}, []string{"Z", "z", "zone", "SH"})...),
		[]byte("标题\n\n编码,名称,类型,上级编码\n\"A,\"\"b\"\"\",街道,HP\n"),
		[]byte("编码,名称,类型,上级编码\n\"unterminated\n"),
		[]byte("\xff\xfe\x00编码"),
		{},
	}
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		before := unitCount(t, d)
		res, err := s.Import(ctx, admin, bytes.NewReader(b), "csv")
		after := unitCount(t, d)
		if err != nil {
			if after != before || res.Created != 0 {
				t.Fatalf("failed import (%v) changed the tree: %d → %d units, created %d", err, before, after, res.Created)
			}
			if errors.Is(err, ErrRejected) && len(res.Errors) == 0 {
				t.Fatal("rejected without a reason")
			}
			return
		}
		if after != before+res.Created || res.Created != res.Rows {
			t.Fatalf("import of %d rows created %d, tree %d → %d", res.Rows, res.Created, before, after)
		}
		var temp int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE path >= '#' AND path < '$'`).Scan(&temp); err != nil || temp != 0 {
			t.Fatalf("%d units left with a placeholder path (%v)", temp, err)
		}
	})
}
