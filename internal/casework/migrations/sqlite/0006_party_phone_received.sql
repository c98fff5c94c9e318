-- Repeat detection (internal/petition, markRepeat) asks for a petitioner's
-- latest cases of a type and category: party_phone = ? AND type = ? AND
-- category = ? ORDER BY received_at DESC. With all of it in the index the
-- newest come from it in order (see the postgres migration of the same
-- name for the plan this rules out there).
DROP INDEX cases_party_phone;
CREATE INDEX cases_party_phone ON cases(party_phone, type, category, received_at);
DELETE FROM sqlite_stat1 WHERE idx = 'cases_party_phone';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('cases', 'cases_party_phone', '1000000 4 4 2 1');
ANALYZE sqlite_master;
