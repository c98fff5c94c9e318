-- Inspect–rectify campaigns (大排查、大整治、大提升) and the four-party council
-- (四位一体). Rectifications and mediations are cases of the case engine; these
-- tables hold what the engine does not: the campaign, its checklist results per
-- compound, the party responsible for each rectification, and council meetings.

-- A campaign: a name, a period and a scope (an org unit: the compounds under it).
CREATE TABLE property_campaigns (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	period_start TEXT NOT NULL,
	period_end TEXT NOT NULL,
	areas TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	created_by INTEGER,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX property_campaigns_org_path ON property_campaigns(org_path);

-- One checklist item inspected at one compound in a campaign.
CREATE TABLE property_inspections (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES property_campaigns(id),
	compound_id INTEGER NOT NULL REFERENCES org_units(id),
	item_id INTEGER NOT NULL REFERENCES property_checklist_items(id),
	org_path TEXT NOT NULL,
	passed INTEGER NOT NULL,
	note TEXT NOT NULL,
	photos INTEGER NOT NULL,
	case_id INTEGER,
	inspector_id INTEGER,
	inspected_at TIMESTAMP NOT NULL,
	UNIQUE (campaign_id, compound_id, item_id)
);
CREATE INDEX property_inspections_org_path ON property_inspections(org_path);

-- The party responsible for a rectification case: a company, an owners'
-- committee or a department (party_name says which).
CREATE TABLE property_rectifications (
	case_id INTEGER PRIMARY KEY REFERENCES cases(id),
	inspection_id INTEGER NOT NULL REFERENCES property_inspections(id),
	campaign_id INTEGER NOT NULL REFERENCES property_campaigns(id),
	compound_id INTEGER NOT NULL REFERENCES org_units(id),
	party_kind TEXT NOT NULL,
	party_name TEXT NOT NULL,
	company_id INTEGER REFERENCES property_companies(id),
	org_path TEXT NOT NULL,
	overdue_fact INTEGER NOT NULL
);
CREATE INDEX property_rectifications_company ON property_rectifications(company_id);
CREATE INDEX property_rectifications_org_path ON property_rectifications(org_path);

-- Four-party council meetings of a compound: agenda, attendance of each party, minutes.
CREATE TABLE property_council_meetings (
	id INTEGER PRIMARY KEY,
	compound_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	held_on TEXT NOT NULL,
	agenda TEXT NOT NULL,
	attend_party INTEGER NOT NULL,
	attend_residents INTEGER NOT NULL,
	attend_committee INTEGER NOT NULL,
	attend_company INTEGER NOT NULL,
	minutes TEXT NOT NULL,
	created_by INTEGER,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX property_council_meetings_org_path ON property_council_meetings(org_path);

-- Resolutions of a meeting, each with an owner and a deadline.
CREATE TABLE property_council_resolutions (
	id INTEGER PRIMARY KEY,
	meeting_id INTEGER NOT NULL REFERENCES property_council_meetings(id),
	org_path TEXT NOT NULL,
	text TEXT NOT NULL,
	owner TEXT NOT NULL,
	due_on TEXT NOT NULL,
	done INTEGER NOT NULL
);
CREATE INDEX property_council_resolutions_meeting ON property_council_resolutions(meeting_id);
