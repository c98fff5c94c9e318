-- The keyword index of the ledger (internal/casework/search.go; docs/decisions.md, 17):
-- the bigrams of each case's title, address and party name, so that a
-- keyword (漏水, 阳光花园, 3号楼) finds its candidate cases without reading
-- every case.
--
-- case_grams is the engine's normalisation (search.go, caseGrams), in SQL:
-- ASCII letters lower-cased (translate: the same in every locale, unlike
-- lower()); the text split into runs at every character of the class below
-- (ASCII other than letters and digits, and search.go's gramBreaks —
-- written with code points, not [[:alnum:]], whose meaning depends on the
-- database's locale); each run's overlapping bigrams (a run of one
-- character gives none). The three texts split apart (concat_ws puts a
-- space between them). Duplicates are left in: the index keeps each key
-- once. A test compares its results with Go's.
CREATE FUNCTION case_grams(title text, address text, party_name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL RESTRICTED COST 1000
AS $$
SELECT ARRAY(
	SELECT substr(run, i, 2)
	FROM regexp_split_to_table(
		translate(concat_ws(' ', title, address, party_name), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
		'[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f\u0080-\u00bf\u00d7\u00f7\u0300-\u036f\u2000-\u206f\u2100-\u2bff\u2e00-\u2fff\u3000-\u3004\u3008-\u303f\u31c0-\u31ef\u3200-\u33ff\ufe10-\ufe1f\ufe30-\ufe6f\ufeff\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffff\U0001f000-\U0001faff]+') AS run,
		generate_series(1, char_length(run) - 1) AS i)
$$;

-- The unit paths above and at a case's unit ('/1/9/23/' → {/1/, /1/9/,
-- /1/9/23/}): a staff member's cases, or a unit filter's, are those whose
-- case_paths hold that path (the same as the prefix range of the scope).
CREATE FUNCTION case_paths(org_path text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL RESTRICTED COST 1000
AS $$
SELECT ARRAY(SELECT left(org_path, i) FROM generate_series(2, char_length(org_path)) AS i WHERE substr(org_path, i, 1) = '/')
$$;

-- The index: a keyword's candidates are the cases whose bigrams contain
-- all of the keyword's, within the ledger's scope (case_grams(c.title,
-- c.address, c.party_name) @> its bigrams AND case_paths(c.org_path) @>
-- the scope's path): one scan of this index finds those of a district
-- without reading its cases. PostgreSQL keeps it on every insert and
-- update. COST above tells the planner the functions are dear: it should
-- find rows through this index rather than compute the bigrams of every
-- row it walks. PARALLEL RESTRICTED (they would be safe) keeps a keyword's
-- scan in the backend itself: it reads a few thousand rows at most, and
-- starting parallel workers for it cost more than they saved (measured:
-- 12 ms with a worker, 6.5 ms without, for a district's count).
CREATE INDEX cases_grams ON cases USING gin (case_grams(title, address, party_name), case_paths(org_path));
