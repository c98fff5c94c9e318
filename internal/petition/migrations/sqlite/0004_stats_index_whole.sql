-- cases_petition_stats was partial (WHERE type = 'petition'). SQLite then
-- compares every query's bound "type = ?" with that predicate to decide
-- whether the index may serve it, and a plan chosen by a bound value is
-- planned again whenever a value is bound: every ledger, intake and repeat
-- query of the case engine was compiled anew on each run, a fifth of the
-- CPU time of repeat detection, defeating the statement cache. The same
-- index over every case (type still its last column, so the statistics
-- filter on it from the index alone) serves the statistics as well.
DROP INDEX cases_petition_stats;
CREATE INDEX cases_petition_stats ON cases(received_at, org_path, category, accepted_at, replied_at, rating, flags,
	final_from, final_days, type);
