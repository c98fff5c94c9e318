-- A roll-up of the petition statistics (internal/petition/stats_rollup.go):
-- the figures of each month of receipt × category × handling unit, so a
-- year's statistics add up a few thousand cells instead of reading every
-- petition. Every engine write of a petition appends what it changed to
-- petition_stat_deltas (insert only: intake transactions never wait for
-- one another on a counter); a job folds the deltas into the cells. A read
-- adds cells and pending deltas up in one statement. The roll-up is
-- rebuilt from the cases when the holiday calendar changes (the timely
-- counts depend on it); until then the statistics are read from the cases.
CREATE TABLE petition_stat_cells (
	ym INTEGER NOT NULL, -- year × 100 + month of receipt, local time
	category TEXT NOT NULL,
	org_path TEXT NOT NULL,
	received INTEGER NOT NULL,
	accepted INTEGER NOT NULL,
	accepted_timely INTEGER NOT NULL,
	replied INTEGER NOT NULL,
	replied_on_time INTEGER NOT NULL,
	rated INTEGER NOT NULL,
	satisfied INTEGER NOT NULL,
	repeats INTEGER NOT NULL,
	PRIMARY KEY (ym, category, org_path)
);

CREATE TABLE petition_stat_deltas (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	ym INTEGER NOT NULL,
	category TEXT NOT NULL,
	org_path TEXT NOT NULL,
	received INTEGER NOT NULL,
	accepted INTEGER NOT NULL,
	accepted_timely INTEGER NOT NULL,
	replied INTEGER NOT NULL,
	replied_on_time INTEGER NOT NULL,
	rated INTEGER NOT NULL,
	satisfied INTEGER NOT NULL,
	repeats INTEGER NOT NULL
);
CREATE INDEX petition_stat_deltas_ym ON petition_stat_deltas(ym);
