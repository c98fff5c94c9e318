-- Indexes a ledger of a million cases can count and page from.
--
-- A ledger counts the cases its filter selects and reads one page of them.
-- Each count should come from one index alone (an index-only scan, never
-- the rows, which carry titles, bodies and data): so the indexes lead with
-- the type (every list names it) and carry, after the columns they are
-- searched by, the columns the other filters test — the scope (org_path),
-- state, category, kind, channel, flags. The open cases' index (cases_due)
-- serves the overdue, due-soon and open filters and the due-date sorts
-- (closed_at, NULL in every entry, is there so that SQLite counts from the
-- index alone; the same definition on both databases).
-- (PostgreSQL keeps its own statistics; the SQLite file of this migration
-- also sets the planner's.)
DROP INDEX cases_type_received;
CREATE INDEX cases_type_received ON cases(type, received_at, org_path, state, category, kind, channel);
DROP INDEX cases_org_path_received;
CREATE INDEX cases_scope ON cases(type, org_path, received_at, state, category, flags);
DROP INDEX cases_state_received;
CREATE INDEX cases_state_received ON cases(type, state, org_path, received_at);
DROP INDEX cases_category_received;
CREATE INDEX cases_category_received ON cases(type, category, received_at, org_path, state);
DROP INDEX cases_due;
CREATE INDEX cases_due ON cases(type, due_at, org_path, category, flags, closed_at) WHERE closed_at IS NULL;

-- The open cases whose deadlines were counted with plain weekends (a year
-- without published holidays), which the sweeper counts again when the
-- year is loaded (casework.FlagDeadlineAssumed = 128; the query repeats
-- this predicate word for word).
CREATE INDEX cases_assumed ON cases(id) WHERE closed_at IS NULL AND (flags & 128) <> 0;

-- The count of a whole type (the city office's ledger before any filter):
-- an index of the type alone, which PostgreSQL stores deduplicated (a few
-- megabytes per million cases), counted by an index-only scan. (SQLite
-- counts it without one: see Engine.count.)
CREATE INDEX cases_type ON cases(type);
