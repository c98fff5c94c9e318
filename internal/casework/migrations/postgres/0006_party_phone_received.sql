-- Repeat detection (internal/petition, markRepeat) asks for a petitioner's
-- latest cases of a category: party_phone = ? AND category = ? ORDER BY
-- received_at DESC. With received_at in the index the newest come from it
-- in order. Without it, PostgreSQL's generic plan for the prepared
-- statement, while the table was young, walked cases_category_received
-- backwards through every case of the category, filtering on the phone —
-- slower with every petition filed.
DROP INDEX cases_party_phone;
CREATE INDEX cases_party_phone ON cases(party_phone, category, received_at);
