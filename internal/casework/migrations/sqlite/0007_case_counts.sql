-- The number of cases of each type, for the city's unfiltered ledger
-- (internal/casework/counts.go). SQLite has one writer, so a row per type
-- is kept up to date in place (PostgreSQL appends differences and folds
-- them, see its migration of the same name); a count reads the same way on
-- both: the sum of a type's rows.
CREATE TABLE case_counts (
	type TEXT NOT NULL,
	n    INTEGER NOT NULL
);
CREATE UNIQUE INDEX case_counts_type ON case_counts(type);
INSERT INTO case_counts (type, n) SELECT type, COUNT(*) FROM cases GROUP BY type;

CREATE TRIGGER cases_count_insert AFTER INSERT ON cases BEGIN
	INSERT INTO case_counts (type, n) VALUES (new.type, 1) ON CONFLICT (type) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER cases_count_delete AFTER DELETE ON cases BEGIN
	UPDATE case_counts SET n = n - 1 WHERE type = old.type;
END;
-- The engine never changes a case's type; should anything else, the counts follow.
CREATE TRIGGER cases_count_retype AFTER UPDATE OF type ON cases WHEN old.type IS NOT new.type BEGIN
	UPDATE case_counts SET n = n - 1 WHERE type = old.type;
	INSERT INTO case_counts (type, n) VALUES (new.type, 1) ON CONFLICT (type) DO UPDATE SET n = n + 1;
END;
