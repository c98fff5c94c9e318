-- PostgreSQL's keyword index takes its terms from a column the engine
-- writes here (see the postgres migration of the same name). SQLite keeps
-- its index in the FTS5 table case_grams, written by the engine already.
SELECT 1;
