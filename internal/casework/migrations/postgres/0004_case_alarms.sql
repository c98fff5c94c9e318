-- The sweeper's working set, apart from the cases (internal/casework/sweep.go).
--
-- A case's next deadline (cases.due_at) may need two notices: due soon, then
-- overdue. The sweeper used to record how far it got in cases.notified_level,
-- so each notice wrote a new version of a whole case row with an entry in
-- every one of its indexes: a day's notices over a million open cases took
-- seconds. case_alarms holds one narrow row per open case with a deadline
-- still to be notified as overdue; the overdue notice deletes the row.
--
-- Triggers keep it in step with every write of cases, the engine's and bulk
-- loads alike: a new open case with a deadline gets an alarm at the level it
-- starts with (notified_level: 0, or what a bulk load marks as already
-- notified); a deadline that moves, a case that closes or reopens, or a level
-- written by the engine replaces it. The sweeper no longer writes cases.
CREATE TABLE case_alarms (
	due_at TIMESTAMPTZ NOT NULL,
	case_id BIGINT PRIMARY KEY,
	level INTEGER NOT NULL -- 0 nothing sent yet, 1 due-soon notice sent
) WITH (fillfactor = 80);
CREATE INDEX case_alarms_due ON case_alarms(due_at, level);

INSERT INTO case_alarms (due_at, case_id, level)
	SELECT due_at, id, notified_level FROM cases WHERE closed_at IS NULL AND due_at IS NOT NULL AND notified_level < 2;

CREATE FUNCTION cases_alarm() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		IF TG_OP = 'UPDATE' AND old.due_at IS NOT DISTINCT FROM new.due_at AND old.closed_at IS NOT DISTINCT FROM new.closed_at
				AND old.notified_level = new.notified_level THEN
			RETURN NULL;
		END IF;
		DELETE FROM case_alarms WHERE case_id = old.id;
	END IF;
	IF TG_OP <> 'DELETE' AND new.closed_at IS NULL AND new.due_at IS NOT NULL AND new.notified_level < 2 THEN
		INSERT INTO case_alarms (due_at, case_id, level) VALUES (new.due_at, new.id, new.notified_level);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER cases_alarm_insert AFTER INSERT ON cases FOR EACH ROW
	WHEN (new.closed_at IS NULL AND new.due_at IS NOT NULL AND new.notified_level < 2) EXECUTE FUNCTION cases_alarm();
CREATE TRIGGER cases_alarm_update AFTER UPDATE OF due_at, closed_at, notified_level ON cases FOR EACH ROW
	EXECUTE FUNCTION cases_alarm();
CREATE TRIGGER cases_alarm_delete AFTER DELETE ON cases FOR EACH ROW EXECUTE FUNCTION cases_alarm();

DROP INDEX cases_sweep;
