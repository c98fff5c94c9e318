-- PostgreSQL's narrow index for counting a unit's cases (see the postgres
-- migration of the same name) relies on its deduplication of repeated
-- keys; SQLite stores every entry whole, so it would gain little here.
SELECT 1;
