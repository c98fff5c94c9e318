-- The keyword index of the ledger (internal/casework/search.go; docs/decisions.md, 17):
-- the bigrams of each case's title, address and party name, so that a
-- keyword (漏水, 阳光花园, 3号楼) finds its candidate cases without reading
-- every case. An FTS5 table holding only the index (no copy of the text:
-- content=''), one entry per case (rowid = the case's id; grams = its
-- bigrams and the terms of its unit's path — '/1/9/23/' gives unit1,
-- unit1x9, unit1x9x23, so that a district's or a street's cases are a
-- term too — separated by spaces, each letters and digits only, so one
-- token for the unicode61 tokenizer), rowids only (detail=none: terms are
-- looked up as a set, never as phrases). contentless_delete lets a changed
-- title or unit replace its entry. The engine writes an entry with each
-- new case and replaces it when the title or the unit changes (search.go).
CREATE VIRTUAL TABLE case_grams USING fts5(grams, content='', contentless_delete=1, detail=none);

-- The cases already there, indexed here in SQL as the engine does in Go
-- (caseGrams; a test compares the two): lower() folds ASCII only, as Go
-- does; a character belongs to a run when it is an ASCII letter or digit
-- or, beyond ASCII, not one of search.go's gramBreaks (CJK ideographs,
-- the most frequent, are tested first); each position i whose character
-- and the next belong to runs gives the bigram at i. The three texts are
-- joined with spaces, so no bigram spans two. Then the path's terms: one
-- for each '/' after the first. Every case gets an entry, if only an
-- empty one. (Measured: 1.4 s for 20,000 cases, 24 s for 200,000; the
-- engine's Go indexes a million in 22 s, but a migration is SQL.)
CREATE TEMP TABLE gram_pos (i INTEGER PRIMARY KEY);
WITH RECURSIVE n(i) AS (
	SELECT 1 UNION ALL
	SELECT i + 1 FROM n WHERE i < (SELECT COALESCE(MAX(max(length(title) + length(address) + length(party_name) + 2, length(org_path))), 1) FROM cases)
)
INSERT INTO gram_pos SELECT i FROM n;
INSERT INTO case_grams (rowid, grams)
SELECT c.id, trim((
	SELECT replace(COALESCE(group_concat(DISTINCT substr(c.s, i, 2)), ''), ',', ' ')
	FROM (SELECT i, unicode(substr(c.s, i, 1)) AS u, unicode(substr(c.s, i + 1, 1)) AS v FROM gram_pos WHERE i < length(c.s))
	WHERE (u BETWEEN 0x3400 AND 0xFE0F OR u BETWEEN 0x30 AND 0x39 OR u BETWEEN 0x61 AND 0x7A OR u >= 0x80 AND NOT (
			u BETWEEN 0x80 AND 0xBF OR u = 0xD7 OR u = 0xF7 OR u BETWEEN 0x300 AND 0x36F OR
			u BETWEEN 0x2000 AND 0x206F OR u BETWEEN 0x2100 AND 0x2BFF OR u BETWEEN 0x2E00 AND 0x2FFF OR
			u BETWEEN 0x3000 AND 0x3004 OR u BETWEEN 0x3008 AND 0x303F OR u BETWEEN 0x31C0 AND 0x31EF OR
			u BETWEEN 0x3200 AND 0x33FF OR u BETWEEN 0xFE10 AND 0xFE1F OR u BETWEEN 0xFE30 AND 0xFE6F OR
			u = 0xFEFF OR u BETWEEN 0xFF00 AND 0xFF0F OR u BETWEEN 0xFF1A AND 0xFF20 OR
			u BETWEEN 0xFF3B AND 0xFF40 OR u BETWEEN 0xFF5B AND 0xFF65 OR u BETWEEN 0xFFE0 AND 0xFFFF OR
			u BETWEEN 0x1F000 AND 0x1FAFF))
		AND (v BETWEEN 0x3400 AND 0xFE0F OR v BETWEEN 0x30 AND 0x39 OR v BETWEEN 0x61 AND 0x7A OR v >= 0x80 AND NOT (
			v BETWEEN 0x80 AND 0xBF OR v = 0xD7 OR v = 0xF7 OR v BETWEEN 0x300 AND 0x36F OR
			v BETWEEN 0x2000 AND 0x206F OR v BETWEEN 0x2100 AND 0x2BFF OR v BETWEEN 0x2E00 AND 0x2FFF OR
			v BETWEEN 0x3000 AND 0x3004 OR v BETWEEN 0x3008 AND 0x303F OR v BETWEEN 0x31C0 AND 0x31EF OR
			v BETWEEN 0x3200 AND 0x33FF OR v BETWEEN 0xFE10 AND 0xFE1F OR v BETWEEN 0xFE30 AND 0xFE6F OR
			v = 0xFEFF OR v BETWEEN 0xFF00 AND 0xFF0F OR v BETWEEN 0xFF1A AND 0xFF20 OR
			v BETWEEN 0xFF3B AND 0xFF40 OR v BETWEEN 0xFF5B AND 0xFF65 OR v BETWEEN 0xFFE0 AND 0xFFFF OR
			v BETWEEN 0x1F000 AND 0x1FAFF))
) || ' ' || (
	SELECT COALESCE(group_concat('unit' || replace(substr(c.p, 2, i - 2), '/', 'x'), ' '), '')
	FROM gram_pos WHERE i > 1 AND i <= length(c.p) AND substr(c.p, i, 1) = '/'
)) FROM (SELECT id, lower(title) || ' ' || lower(address) || ' ' || lower(party_name) AS s, org_path AS p FROM cases) c;
DROP TABLE gram_pos;
