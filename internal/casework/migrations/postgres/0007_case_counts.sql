-- The number of cases of each type, for the city's unfiltered ledger
-- (internal/casework/counts.go): counting a million cases took 60-100 ms
-- even from an index. Each statement that adds or removes cases appends its
-- difference here (statement-level triggers with transition tables: one
-- row per statement, and no row that every intake must lock); the case
-- engine's job folds them into one row per type. A count is the sum of a
-- type's rows.
CREATE TABLE case_counts (
	type TEXT NOT NULL,
	n    BIGINT NOT NULL
);
CREATE INDEX case_counts_type ON case_counts(type);
INSERT INTO case_counts (type, n) SELECT type, COUNT(*) FROM cases GROUP BY type;

CREATE FUNCTION cases_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO case_counts (type, n) SELECT type, COUNT(*) FROM new_cases GROUP BY type;
	RETURN NULL;
END $$;
CREATE FUNCTION cases_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO case_counts (type, n) SELECT type, -COUNT(*) FROM old_cases GROUP BY type;
	RETURN NULL;
END $$;
CREATE FUNCTION cases_count_retype() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO case_counts (type, n) VALUES (old.type, -1), (new.type, 1);
	RETURN NULL;
END $$;
CREATE FUNCTION cases_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM case_counts;
	RETURN NULL;
END $$;
CREATE TRIGGER cases_count_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_cases
	FOR EACH STATEMENT EXECUTE FUNCTION cases_count_insert();
CREATE TRIGGER cases_count_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_cases
	FOR EACH STATEMENT EXECUTE FUNCTION cases_count_delete();
-- The engine never changes a case's type; should anything else, the counts follow.
CREATE TRIGGER cases_count_retype AFTER UPDATE OF type ON cases FOR EACH ROW
	WHEN (old.type IS DISTINCT FROM new.type) EXECUTE FUNCTION cases_count_retype();
CREATE TRIGGER cases_count_truncate AFTER TRUNCATE ON cases
	FOR EACH STATEMENT EXECUTE FUNCTION cases_count_truncate();
