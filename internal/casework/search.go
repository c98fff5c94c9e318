package casework

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"

	"github.com/jackc/pgx/v5"
)

// The keyword index of the ledger (docs/decisions.md, 17): the bigrams of
// each case's title, address and party name, so that a free-text keyword
// finds its candidate cases from an index instead of reading every case.
//
// Normalisation, the same in Go (caseGrams) and in the SQL of the
// migrations (migrations/*/0003_keyword_index.sql: PostgreSQL's function
// case_grams, SQLite's backfill of the cases already there):
//
//   - ASCII letters are lower-cased; nothing else changes;
//   - the text splits into runs of "letters and digits": ASCII letters and
//     digits and every character beyond ASCII except those of gramBreaks
//     (punctuation, spaces, symbols, marks — a fixed list, so that the
//     index means the same on every database whatever its locale);
//   - each run of two characters or more gives its overlapping bigrams;
//     a run of one character gives nothing.
//
// A keyword is normalised the same way; its candidates are the cases whose
// index holds all its bigrams (a superset of the cases that contain it),
// and the LIKE condition of the ledger stays as the exact check. A keyword
// that gives no bigram (one character, punctuation only) — or that holds a
// letter with a case beyond ASCII (é, Ä, Ａ: ILIKE folds those by the
// database's locale, the index does not) — is answered by the LIKE alone,
// reading every case of the ledger.
//
// The index also holds each case's unit path, so that the candidates of a
// district's or a street's ledger are found in the index alone, not by
// reading the city's candidates to see whose they are.
//
// PostgreSQL keeps a GIN index of the column search_terms (decision 26),
// which the engine writes with every insert and update of a case: the
// bigrams and the paths of the units above and at the case's unit
// (SearchTerms). A case written past the engine has none (NULL) until the
// job or a keyword lookup fills them in SQL (gramsReady, with the
// migration's functions case_grams and case_paths). SQLite keeps an FTS5
// table holding only the index (case_grams, rowid = case id, grams = the
// bigrams and the path's terms — pathTerms — separated by spaces). New
// cases are indexed there after their commit, in batches, not by intake
// (decision 22): a job does it every second or two (IndexNewCases), and
// every keyword lookup first indexes the cases still missing (gramsReady),
// so a keyword always finds every case. An indexed case's entry is
// replaced when its title or unit changes (reindexCase: an update writes
// neither address nor party name); RebuildKeywordIndex builds the whole
// index afresh.
//
// The ledger (ledger.go) counts the candidates that pass its conditions up
// to KeywordCountLimit, gathers a page from them when there are fewer, and
// otherwise walks the page's order checking each row's LIKE.

// gramBreaks are the characters beyond ASCII that end a run: Latin-1
// punctuation and signs, combining marks, general and CJK punctuation,
// symbols, fullwidth punctuation, emoji. In ASCII everything but 0-9, A-Z
// and a-z ends a run. The PostgreSQL function splits on the same class
// (TestGramClassMatchesMigration checks the migration's text), SQLite's
// backfill tests the same ranges (TestSQLiteMigrationIndexesExistingCases
// compares its entries with Go's).
var gramBreaks = [][2]rune{
	{0x0080, 0x00BF},   // Latin-1 controls, no-break space, punctuation, signs
	{0x00D7, 0x00D7},   // ×
	{0x00F7, 0x00F7},   // ÷
	{0x0300, 0x036F},   // combining diacritical marks
	{0x2000, 0x206F},   // general punctuation: spaces, dashes, “”‘’, …, ※
	{0x2100, 0x2BFF},   // letterlike symbols ℃ №, number forms Ⅱ, arrows, operators, technical, enclosed ①, box drawing, shapes ■□, symbols ★, dingbats
	{0x2E00, 0x2FFF},   // supplemental punctuation, CJK radicals, ideographic description
	{0x3000, 0x3004},   // ideographic space 、。〃〄 (〆々〇 are letters)
	{0x3008, 0x303F},   // CJK brackets 《》「」【】, 〜, marks
	{0x31C0, 0x31EF},   // CJK strokes
	{0x3200, 0x33FF},   // enclosed CJK ㈱, CJK compatibility ㎡
	{0xFE10, 0xFE1F},   // vertical forms
	{0xFE30, 0xFE6F},   // CJK compatibility forms, small forms
	{0xFEFF, 0xFEFF},   // zero-width no-break space (byte-order mark)
	{0xFF00, 0xFF0F},   // fullwidth ！＂＃＄％＆＇（）＊＋，－．／
	{0xFF1A, 0xFF20},   // fullwidth ：；＜＝＞？＠
	{0xFF3B, 0xFF40},   // fullwidth ［＼］＾＿｀
	{0xFF5B, 0xFF65},   // fullwidth ｛｜｝～｟｠, halfwidth ｡｢｣､･
	{0xFFE0, 0xFFFF},   // fullwidth signs ￥, specials, the replacement character
	{0x1F000, 0x1FAFF}, // mahjong and playing cards, enclosed, emoji, pictographs
}

// isGramRune tells whether r belongs to a run (a letter or digit).
func isGramRune(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	for _, b := range gramBreaks {
		if r < b[0] {
			return true
		}
		if r <= b[1] {
			return false
		}
	}
	return true
}

// caseGrams returns the distinct bigrams of texts, in order of first
// appearance (each text splits apart from the others).
func caseGrams(texts ...string) []string {
	var out []string
	seen := map[[2]rune]bool{}
	for _, t := range texts {
		prev := rune(-1)
		for _, r := range t {
			if !isGramRune(r) {
				prev = -1
				continue
			}
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			if prev >= 0 {
				k := [2]rune{prev, r}
				if !seen[k] {
					seen[k] = true
					out = append(out, string(k[:]))
				}
			}
			prev = r
		}
	}
	return out
}

// keywordGrams returns the bigrams a case must hold to contain keyword kw,
// or nil when the index cannot answer for kw (see the top of the file).
func keywordGrams(kw string) []string {
	for _, r := range kw {
		if r >= utf8.RuneSelf && isGramRune(r) && unicode.SimpleFold(r) != r {
			return nil
		}
	}
	return caseGrams(kw)
}

// ftsGrams is the grams column of a case's entry in SQLite's index: the
// bigrams of its texts and the terms of its unit's path.
func ftsGrams(title, address, partyName, orgPath string) string {
	return strings.Join(append(caseGrams(title, address, partyName), pathTerms(orgPath)...), " ")
}

// SearchTerms are the terms of PostgreSQL's keyword index for a case
// (search_terms): its bigrams, then the paths of the units above and at its
// unit ("/1/9/23/" → /1/, /1/9/, /1/9/23/). A loader that writes cases past
// the engine may write them too (else the engine fills them later).
func SearchTerms(title, address, partyName, orgPath string) []string {
	out := caseGrams(title, address, partyName)
	for i := 1; i < len(orgPath); i++ {
		if orgPath[i] == '/' {
			out = append(out, orgPath[:i+1])
		}
	}
	return out
}

// SearchTermsArg is SearchTerms as the argument that writes them, a
// PostgreSQL array literal.
func SearchTermsArg(title, address, partyName, orgPath string) string {
	return pgArray(SearchTerms(title, address, partyName, orgPath))
}

// searchTermsArg is c's search_terms as a query argument.
func searchTermsArg(c *Case) string {
	return SearchTermsArg(c.Title, c.Address, c.PartyName, c.OrgPath)
}

// ftsQuery is the FTS5 query that holds every one of grams (each is
// letters and digits only, so a quoted string of one token).
func ftsQuery(grams []string) string {
	return `"` + strings.Join(grams, `" "`) + `"`
}

// pgArray is grams (or terms) as a PostgreSQL array literal (no element
// needs quoting: a bigram is letters and digits, a path digits and '/').
func pgArray(grams []string) string {
	return "{" + strings.Join(grams, ",") + "}"
}

// keywordSearch is a free-text keyword that the index answers, and the
// scope the ledger's parts keep to.
type keywordSearch struct {
	grams []string
	// own: the principal's scope path, when the own part of the ledger's
	// visibility keeps to that subtree ("" when not); unit: the unit
	// filter's path ("" for none).
	own, unit string
}

// keywordSearch returns how the index answers keyword kw for a ledger of
// principal p whose own part is own and whose unit filter is unitPath
// (""), or nil when it cannot: the ledger then reads every case with its
// LIKE.
func (e *Engine) keywordSearch(ctx context.Context, kw string, p *auth.Principal, own, unitPath string) *keywordSearch {
	gs := keywordGrams(kw)
	if len(gs) == 0 || noKeywordIndex {
		return nil
	}
	if !e.gramsReady(ctx) {
		return nil
	}
	k := &keywordSearch{grams: gs, unit: unitPath}
	// The own part is the scope's prefix range (and maybe more
	// conditions): its path narrows the candidates exactly as much.
	if s, a := p.ScopeSQL("c.org_path"); len(a) > 0 && (own == s || strings.HasPrefix(own, s+" AND ")) {
		k.own = p.OrgPath
	}
	return k
}

// candidates is the FROM clause (alias c) of the cases that may hold the
// keyword of k — a superset of those whose title, address or party name
// contain it, and of the own part's scope too when own, and of the unit
// filter's — from the keyword index: the cases whose terms hold every
// bigram of the keyword and the scopes' paths.
func (e *Engine) candidates(k *keywordSearch, own bool) (string, []any) {
	var paths []string
	if own && k.own != "" {
		paths = append(paths, k.own)
	}
	if k.unit != "" {
		paths = append(paths, k.unit)
	}
	if e.DB.Dialect == db.Postgres {
		args := []any{pgArray(append(slices.Clone(k.grams), paths...))}
		if len(paths) == 0 {
			return `(SELECT * FROM cases c WHERE c.search_terms @> ?::text[]) c`, args
		}
		// OFFSET 0 keeps the planner from adding the b-tree of the scope's
		// range: it takes the scope for a further filter and would read a
		// district's entries for nothing.
		return `(SELECT * FROM cases c WHERE c.search_terms @> ?::text[] OFFSET 0) c`, args
	}
	terms := slices.Clone(k.grams)
	for _, p := range paths {
		terms = append(terms, pathTerm(p))
	}
	// The entries lead (CROSS JOIN keeps them the outer loop), in rowid
	// order, each case looked up by its id: a count that stops at its
	// limit reads no further entries (an IN list would first collect
	// every one).
	return `case_grams g CROSS JOIN cases c ON c.id = g.rowid AND g.case_grams MATCH ?`, []any{ftsQuery(terms)}
}

// pathTerm is the term of SQLite's index that stands for the subtree of
// path ("/1/9/23/" → "unit1x9x23"): letters and digits only, one token,
// longer than a bigram.
func pathTerm(path string) string {
	return "unit" + strings.ReplaceAll(strings.Trim(path, "/"), "/", "x")
}

// pathTerms are the terms of every unit above and at path.
func pathTerms(path string) []string {
	var out []string
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, pathTerm(path[:i+1]))
		}
	}
	return out
}

// customPlan returns args, on PostgreSQL for a keyword's ledger (kw),
// with pgx's describe-exec mode first: the statement is then an unnamed
// one, planned with its values each time. pgx otherwise caches it as a
// prepared statement, which PostgreSQL may switch to a generic plan after
// five executions; for a page of a keyword walked in received order that
// plan reads a district's cases by the scope's index and sorts them
// (measured: 547 ms instead of 2.5 ms, and so a whole benchmark run).
func (e *Engine) customPlan(kw bool, args []any) []any {
	if !kw || e.DB.Dialect != db.Postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

// noKeywordIndex makes every keyword read every case, as before the index
// (tests compare the two).
var noKeywordIndex bool

// indexGrams writes the index entries of cs. SQLite only: on PostgreSQL
// the terms are written with the case's row (store.go).
func indexGrams(ctx context.Context, tx *db.Tx, cs ...*Case) error {
	if tx.Dialect() != db.SQLite {
		return nil
	}
	for len(cs) > 0 {
		k := db.ChunkSize(len(cs))
		args := make([]any, 0, 2*k)
		for _, c := range cs[:k] {
			args = append(args, c.ID, ftsGrams(c.Title, c.Address, c.PartyName, c.OrgPath))
		}
		rows := strings.TrimSuffix(strings.Repeat("(?, ?), ", k), ", ")
		if _, err := tx.Exec(ctx, `INSERT OR REPLACE INTO case_grams (rowid, grams) VALUES `+rows, args...); err != nil {
			return err
		}
		cs = cs[k:]
	}
	return nil
}

// reindexCase replaces the index entry of c when its title or unit in
// the database, at version, is not c's. updateCase calls it before it
// writes c (an update writes neither address nor party name; the version
// condition is the update's own, so the two agree). A case not indexed
// yet is left to indexNew, which reads what the case then holds: an
// entry written here first would hide older cases still missing from
// gramsReady's test of the highest ids. SQLite only.
func reindexCase(ctx context.Context, tx *db.Tx, c *Case, version int) error {
	if tx.Dialect() != db.SQLite {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT OR REPLACE INTO case_grams (rowid, grams)
		SELECT id, ? FROM cases WHERE id = ? AND version = ? AND (title <> ? OR org_path <> ?)
		AND EXISTS (SELECT 1 FROM case_grams_docsize d WHERE d.id = cases.id)`,
		ftsGrams(c.Title, c.Address, c.PartyName, c.OrgPath), c.ID, version, c.Title, c.OrgPath)
	return err
}

// IndexNewCases writes the index entries (SQLite) or terms (PostgreSQL)
// of the cases that have none yet (a job calls it every second or two).
func (e *Engine) IndexNewCases(ctx context.Context) {
	e.gramsReady(ctx)
}

// RebuildKeywordIndex builds the keyword index afresh from every case: for
// cases written past the engine by a bulk load. On PostgreSQL it fills the
// terms of the cases that have none (a loader that writes terms writes
// them as the engine does).
func (e *Engine) RebuildKeywordIndex(ctx context.Context) error {
	if e.DB.Dialect != db.SQLite {
		if !e.gramsReady(ctx) {
			return errors.New("casework: the keyword terms of the cases loaded could not be written")
		}
		return nil
	}
	err := e.DB.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO case_grams (case_grams) VALUES ('delete-all')`); err != nil {
			return err
		}
		if err := indexWhere(ctx, tx, "1 = 1"); err != nil {
			return err
		}
		// One segment: the fewest pages a keyword reads.
		_, err := tx.Exec(ctx, `INSERT INTO case_grams (case_grams) VALUES ('optimize')`)
		return err
	})
	if err == nil {
		gramsChecked.Store(e.DB, true)
	}
	return err
}

// indexWhere writes the index entries of the cases that cond selects
// (SQLite), reading them a few thousand at a time in id order.
func indexWhere(ctx context.Context, tx *db.Tx, cond string) error {
	const chunk = 5000
	after := int64(0)
	for {
		rows, err := tx.Query(ctx, `SELECT id, title, address, party_name, org_path FROM cases WHERE id > ? AND `+cond+` ORDER BY id LIMIT ?`, after, chunk)
		if err != nil {
			return err
		}
		var cs []*Case
		for rows.Next() {
			c := &Case{}
			if err := rows.Scan(&c.ID, &c.Title, &c.Address, &c.PartyName, &c.OrgPath); err != nil {
				rows.Close()
				return err
			}
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		if err := indexGrams(ctx, tx, cs...); err != nil {
			return err
		}
		after = cs[len(cs)-1].ID
	}
}

// gramsChecked holds the SQLite databases whose index this process has
// found to hold every case.
var gramsChecked sync.Map // *db.DB → true

// gramsReady makes sure the index holds every case before a keyword is
// looked up in it. On PostgreSQL the cases written past the engine (the
// demo, an import) have no terms: one probe of cases_unsearchable, and an
// UPDATE with the migration's functions when some are found. On SQLite
// the migration indexed the cases there were; new cases — from intake or
// loaded past the engine — are indexed here: the first call of the process
// compares the number of cases with the number of entries (a count of two
// small b-trees) and indexes any case missing; later calls compare the
// highest ids only (two lookups) and index the newest cases. False (read
// every case) if that fails.
func (e *Engine) gramsReady(ctx context.Context) bool {
	if e.DB.Dialect == db.Postgres {
		var missing bool
		err := e.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE search_terms IS NULL)`).Scan(&missing)
		if err == nil && missing {
			_, err = e.DB.Exec(ctx, `UPDATE cases SET search_terms = case_grams(title, address, party_name) || case_paths(org_path)
				WHERE search_terms IS NULL`)
		}
		if err != nil {
			logErr("keyword terms catch-up", err)
			return false
		}
		return true
	}
	missing := `id > (SELECT COALESCE(MAX(id), 0) FROM case_grams_docsize)`
	test := `SELECT (SELECT COALESCE(MAX(id), 0) FROM cases) > (SELECT COALESCE(MAX(id), 0) FROM case_grams_docsize)`
	if _, ok := gramsChecked.Load(e.DB); !ok {
		missing = `NOT EXISTS (SELECT 1 FROM case_grams_docsize d WHERE d.id = cases.id)`
		test = `SELECT (SELECT COUNT(*) FROM cases) <> (SELECT COUNT(*) FROM case_grams_docsize)`
	}
	var behind bool
	if err := e.DB.QueryRow(ctx, test).Scan(&behind); err != nil {
		logErr("keyword index check", err)
		return false
	}
	if behind {
		if err := e.DB.Tx(ctx, func(tx *db.Tx) error { return indexWhere(ctx, tx, missing) }); err != nil {
			logErr("keyword index catch-up", err)
			return false
		}
	}
	gramsChecked.Store(e.DB, true)
	return true
}
