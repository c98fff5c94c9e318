-- The open cases by category and by unit (internal/casework/ledger.go).
--
-- cases_due holds the open cases in deadline order, which the overdue and
-- due-soon filters need; but "the open cases of a category" or "of my
-- street" then read every open case of the city (a tenth of a million) to
-- count a few thousand. These two hold the open cases by category and by
-- unit path, with the columns the other filters test, so such a count is a
-- range of one index (closed_at, NULL in every entry, is there so that
-- SQLite counts from the index alone).
-- (PostgreSQL: with the id, so that a page's ids come from the index alone
-- too: reading 30,000 rows of a category to sort them by deadline took
-- 140 ms, the index alone 10 ms.)
CREATE INDEX cases_open_category ON cases(type, category, org_path, state, due_at, flags, closed_at) INCLUDE (id)
	WHERE closed_at IS NULL;
CREATE INDEX cases_open_scope ON cases(type, org_path, category, state, due_at, flags, closed_at) INCLUDE (id)
	WHERE closed_at IS NULL;
