-- Repeat detection (internal/petition, markRepeat) asks for a petitioner's
-- latest cases of a type and category: party_phone = ? AND type = ? AND
-- category = ? ORDER BY received_at DESC. With all of it in the index the
-- newest come from it in order, and no other index matches as many of the
-- conditions. Before, PostgreSQL's generic plan for the prepared statement
-- (without statistics, as while the table is young) could walk
-- cases_category_received backwards through every case of the category,
-- filtering on the phone — slower with every petition filed.
DROP INDEX cases_party_phone;
CREATE INDEX cases_party_phone ON cases(party_phone, type, category, received_at);
