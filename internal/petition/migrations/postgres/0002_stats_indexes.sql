-- Petition statistics (internal/petition/stats_sql.go) read a year of
-- petitions in received_at order and need only these columns of each: a
-- covering partial index, so the figures of a year come from index-only
-- scans (a fraction of the table's size: no titles, bodies or data).
CREATE INDEX cases_petition_stats ON cases(received_at) INCLUDE (org_path, category, accepted_at, replied_at, rating, flags,
	final_from, final_days) WHERE type = 'petition';
