-- Leaders' reception days (接访) and home visits (下访), and the petitions
-- each took up. The petitions themselves are rows of the case engine's
-- cases table (type 'petition').
CREATE TABLE petition_receptions (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	held_on TEXT NOT NULL,
	leader_name TEXT NOT NULL,
	leader_user_id INTEGER REFERENCES users(id),
	place TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	notes TEXT NOT NULL,
	created_by INTEGER,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX petition_receptions_path ON petition_receptions(org_path, held_on);

CREATE TABLE petition_reception_cases (
	reception_id INTEGER NOT NULL REFERENCES petition_receptions(id),
	case_id INTEGER NOT NULL REFERENCES cases(id),
	PRIMARY KEY (reception_id, case_id)
);
CREATE INDEX petition_reception_cases_case ON petition_reception_cases(case_id);
