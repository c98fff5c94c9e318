-- A narrow index for counting a unit's cases (docs/decisions.md, 30). A
-- ledger's count of a district reads its range of an index: cases_scope's
-- entries carry six columns, so a district's 150,000 cases were 12 MB of
-- index pages (40–60 ms). These three columns repeat from case to case,
-- and PostgreSQL stores each key once with the list of its rows
-- (deduplication), so the same range is a few hundred kilobytes. flags is
-- there for the flag filters (repeats).
CREATE INDEX cases_count_scope ON cases(type, org_path, flags);
