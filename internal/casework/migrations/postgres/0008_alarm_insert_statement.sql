-- Intake inserts many cases in one statement (casework/intake.go), and the
-- row-level trigger of 0004 ran PL/pgSQL once for each of them: a fifth of
-- PostgreSQL's time per petition. One statement-level trigger now writes
-- the alarms of all the statement's new cases (same rule: open, with a
-- deadline, not yet notified as overdue). Updates and deletes, a row at a
-- time, keep 0004's row-level triggers.
DROP TRIGGER cases_alarm_insert ON cases;
CREATE FUNCTION cases_alarm_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO case_alarms (due_at, case_id, level)
		SELECT due_at, id, notified_level FROM new_cases
		WHERE closed_at IS NULL AND due_at IS NOT NULL AND notified_level < 2;
	RETURN NULL;
END $$;
CREATE TRIGGER cases_alarm_inserted AFTER INSERT ON cases REFERENCING NEW TABLE AS new_cases
	FOR EACH STATEMENT EXECUTE FUNCTION cases_alarm_inserted();
