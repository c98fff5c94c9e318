-- PostgreSQL replaces its row-level alarm trigger on insert with a
-- statement-level one here (see its migration of the same name). SQLite
-- has only row-level triggers; 0004's stays.
SELECT 1;
