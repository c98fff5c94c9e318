-- The keyword index's terms become a column the engine writes (search.go,
-- SearchTerms; docs/decisions.md, 26). The GIN index of 0003 computed them
-- on every insert and update by calling the SQL functions case_grams and
-- case_paths, which PostgreSQL cannot inline: each INSERT parsed, planned
-- and ran both bodies through its executor, a quarter of PostgreSQL's time
-- per petition at intake (measured with perf). The engine computes the
-- same terms in Go — the bigrams and the paths of the units above and at
-- the case's unit — and writes them with each case.
--
-- A case written past the engine (a bulk load, an import) has none
-- (NULL): the engine fills them with the functions, which stay for that and
-- for the cases already here (a test compares them with Go), before it
-- looks a keyword up (cases_unsearchable finds those cases at once).
ALTER TABLE cases ADD COLUMN search_terms text[];
UPDATE cases SET search_terms = case_grams(title, address, party_name) || case_paths(org_path);
DROP INDEX cases_grams;
CREATE INDEX cases_search ON cases USING gin (search_terms);
CREATE INDEX cases_unsearchable ON cases(id) WHERE search_terms IS NULL;
