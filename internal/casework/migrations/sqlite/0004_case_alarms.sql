-- The sweeper's working set, apart from the cases (internal/casework/sweep.go).
--
-- A case's next deadline (cases.due_at) may need two notices: due soon, then
-- overdue. The sweeper used to record how far it got in cases.notified_level,
-- so each notice rewrote a whole case row (title, body, data) and the index
-- entries that depend on the column: a day's notices over a million open
-- cases took seconds. case_alarms holds one narrow row per open case with a
-- deadline still to be notified as overdue, in deadline order (a table
-- without rowid, keyed by due_at), so the notices of a day are neighbours on
-- a few pages; the overdue notice deletes the row.
--
-- Triggers keep it in step with every write of cases, the engine's and bulk
-- loads alike: a new open case with a deadline gets an alarm at the level it
-- starts with (notified_level: 0, or what a bulk load marks as already
-- notified); a deadline that moves, a case that closes or reopens, or a level
-- written by the engine replaces it. The sweeper no longer writes cases.
CREATE TABLE case_alarms (
	due_at TIMESTAMP NOT NULL,
	case_id INTEGER NOT NULL,
	level INTEGER NOT NULL, -- 0 nothing sent yet, 1 due-soon notice sent
	PRIMARY KEY (due_at, case_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX case_alarms_case ON case_alarms(case_id);

INSERT INTO case_alarms (due_at, case_id, level)
	SELECT due_at, id, notified_level FROM cases WHERE closed_at IS NULL AND due_at IS NOT NULL AND notified_level < 2;

CREATE TRIGGER cases_alarm_insert AFTER INSERT ON cases
	WHEN new.closed_at IS NULL AND new.due_at IS NOT NULL AND new.notified_level < 2
BEGIN
	INSERT INTO case_alarms (due_at, case_id, level) VALUES (new.due_at, new.id, new.notified_level);
END;

CREATE TRIGGER cases_alarm_update AFTER UPDATE OF due_at, closed_at, notified_level ON cases
	WHEN old.due_at IS NOT new.due_at OR old.closed_at IS NOT new.closed_at OR old.notified_level IS NOT new.notified_level
BEGIN
	DELETE FROM case_alarms WHERE case_id = old.id;
	INSERT INTO case_alarms (due_at, case_id, level) SELECT new.due_at, new.id, new.notified_level
		WHERE new.closed_at IS NULL AND new.due_at IS NOT NULL AND new.notified_level < 2;
END;

CREATE TRIGGER cases_alarm_delete AFTER DELETE ON cases
BEGIN
	DELETE FROM case_alarms WHERE case_id = old.id;
END;

DROP INDEX cases_sweep;
DELETE FROM sqlite_stat1 WHERE idx = 'cases_sweep';
