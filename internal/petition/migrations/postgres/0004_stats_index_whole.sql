-- SQLite's cases_petition_stats stops being partial here (see the sqlite
-- migration of the same name: its planner compiled every "type = ?" query
-- anew because of the predicate). PostgreSQL plans bound values with pgx's
-- prepared statements regardless of partial indexes, so its index stays.
SELECT 1;
