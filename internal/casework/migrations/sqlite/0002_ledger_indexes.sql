-- Indexes a ledger of a million cases can count and page from.
--
-- A ledger counts the cases its filter selects and reads one page of them.
-- Each count should come from one index alone (no visit to the rows, which
-- carry titles, bodies and data): so the indexes lead with the type (every
-- list names it) and carry, after the columns they are searched by, the
-- columns the other filters test — the scope (org_path), state, category,
-- kind, channel, flags. The open cases' index (cases_due) serves the
-- overdue, due-soon and open filters and the due-date sorts (closed_at, NULL
-- in every entry, is there so that SQLite counts from the index alone).
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

-- SQLite chooses among indexes by statistics that only ANALYZE writes, and
-- nothing runs ANALYZE; without them it takes an equality on any leading
-- column (type = ?, which every list has) for a needle, and picks the index
-- that leads with type over the one that leads to the few rows wanted — a
-- scan of the whole table. These are the statistics of a city's cases
-- table (the shape matters, not the size: a few types, a few thousand
-- cases per unit, seven states, ten categories, a tenth of the cases open),
-- as SQLite's documentation allows ("Manual Control Of Query Plans Using
-- SQLITE_STAT Tables"). ANALYZE of a small table creates the statistics
-- tables; an ANALYZE run later replaces these with measured ones; ANALYZE
-- sqlite_master makes SQLite read them.
ANALYZE saved_filters;
DELETE FROM sqlite_stat1 WHERE tbl = 'cases';
DELETE FROM sqlite_stat4 WHERE tbl = 'cases';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
	('cases', NULL, '1000000'),
	('cases', 'sqlite_autoindex_cases_1', '1000000 1'),
	('cases', 'cases_type_received', '1000000 300000 2 1 1 1 1 1'),
	('cases', 'cases_scope', '1000000 300000 3000 2 2 2 2'),
	('cases', 'cases_state_received', '1000000 300000 40000 700 2'),
	('cases', 'cases_category_received', '1000000 300000 30000 2 1 1'),
	('cases', 'cases_due', '100000 30000 3 2 1 1 1'),
	('cases', 'cases_sweep', '50000 3'),
	('cases', 'cases_assumed', '30000 1'),
	('cases', 'cases_pending', '50 2'),
	('cases', 'cases_party_user', '200000 2'),
	('cases', 'cases_party_phone', '1000000 4 2'),
	('cases', 'cases_external_ref', '300000 50000 1');
-- Load them into this connection too (others read them when they next
-- load the schema, which the indexes above changed).
ANALYZE sqlite_master;
