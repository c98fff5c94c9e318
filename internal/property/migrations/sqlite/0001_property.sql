-- Property supervision (物业监管): the registry of compounds' property attributes,
-- property companies, the regulations library, and the credit scoring behind the
-- public red/black list. Civil dates (contract terms, validity, due dates) are
-- TEXT 'YYYY-MM-DD' on both databases: compared as strings they sort as dates,
-- and they never shift by a time zone.

-- Property service companies (物业服务企业), filed (备案) with a unit of the tree.
CREATE TABLE property_companies (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	credit_code TEXT NOT NULL UNIQUE,
	legal_rep TEXT NOT NULL,
	address TEXT NOT NULL,
	phone TEXT NOT NULL,
	qualification TEXT NOT NULL,
	party_org INTEGER NOT NULL DEFAULT 0,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	status TEXT NOT NULL,
	version INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX property_companies_org_path ON property_companies(org_path);

-- Property attributes of a compound: hung on the org unit (kind compound), never a
-- second tree. org_path is the unit's path, copied for scope; district_id, street_id
-- and community_id its ancestors (units never move). company_active and company_party copy the serving
-- company's status and party organisation, kept by the writes that change either,
-- so the coverage rates read this one table.
CREATE TABLE property_compounds (
	org_unit_id INTEGER PRIMARY KEY REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	address TEXT NOT NULL,
	households INTEGER NOT NULL,
	year_built INTEGER,
	old_compound INTEGER NOT NULL,
	district_id INTEGER NOT NULL REFERENCES org_units(id),
	street_id INTEGER NOT NULL REFERENCES org_units(id),
	community_id INTEGER NOT NULL REFERENCES org_units(id),
	service_type TEXT NOT NULL,
	company_id INTEGER REFERENCES property_companies(id),
	company_active INTEGER NOT NULL,
	company_party INTEGER NOT NULL,
	contract_scope TEXT NOT NULL,
	fee_standard TEXT NOT NULL,
	contract_start TEXT,
	contract_end TEXT,
	committee_formed INTEGER NOT NULL,
	committee_formed_on TEXT,
	committee_term_end TEXT,
	party_branch INTEGER NOT NULL,
	council INTEGER NOT NULL,
	council_since TEXT,
	version INTEGER NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX property_compounds_company ON property_compounds(company_id);

-- The coverage rates of a node count, in one statement each, the compounds of the
-- tree under each unit below the node (denominators: one index range per unit) and
-- the registry rows grouped by that unit (numerators). These covering indexes serve
-- both without table lookups or sorting, and a node's buildings are never read.
CREATE INDEX property_compounds_coverage ON property_compounds(district_id, street_id, community_id, service_type,
	company_active, company_party, contract_start, contract_end, committee_formed, committee_term_end, party_branch);
CREATE INDEX property_org_units_kind_path ON org_units(kind, path);

-- Members of a compound's owners' committee (业委会) and their posts.
CREATE TABLE property_committee_members (
	id INTEGER PRIMARY KEY,
	org_unit_id INTEGER NOT NULL REFERENCES property_compounds(org_unit_id),
	org_path TEXT NOT NULL,
	name TEXT NOT NULL,
	post TEXT NOT NULL,
	party_member INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX property_committee_members_unit ON property_committee_members(org_unit_id);

-- The change history of registry records: each change, field by field.
CREATE TABLE property_history (
	id INTEGER PRIMARY KEY,
	object_type TEXT NOT NULL,
	object_id INTEGER NOT NULL,
	version INTEGER NOT NULL,
	action TEXT NOT NULL,
	org_path TEXT NOT NULL,
	changes TEXT NOT NULL,
	actor_id INTEGER,
	actor_name TEXT NOT NULL,
	at TIMESTAMP NOT NULL
);
CREATE INDEX property_history_object ON property_history(object_type, object_id);

-- Company accounts (role company) and the company each acts for.
CREATE TABLE property_company_users (
	user_id INTEGER PRIMARY KEY REFERENCES users(id),
	company_id INTEGER NOT NULL REFERENCES property_companies(id),
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX property_company_users_company ON property_company_users(company_id);

-- The regulations library (前端立制): documents and their versions.
CREATE TABLE property_regulations (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	issuer TEXT NOT NULL,
	doc_no TEXT NOT NULL,
	kind TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX property_regulations_org_path ON property_regulations(org_path);

CREATE TABLE property_regulation_versions (
	id INTEGER PRIMARY KEY,
	regulation_id INTEGER NOT NULL REFERENCES property_regulations(id),
	version INTEGER NOT NULL,
	effective_from TEXT NOT NULL,
	effective_until TEXT,
	summary TEXT NOT NULL,
	body TEXT NOT NULL,
	created_by INTEGER,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (regulation_id, version)
);

-- Inspection checklist items (大排查), each citing the regulation it enforces.
CREATE TABLE property_checklist_items (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	area TEXT NOT NULL,
	title TEXT NOT NULL,
	regulation_id INTEGER REFERENCES property_regulations(id),
	article TEXT NOT NULL,
	active INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL
);

-- Credit scoring rules: a versioned rule set, immutable once published.
CREATE TABLE credit_rule_sets (
	id INTEGER PRIMARY KEY,
	version INTEGER NOT NULL UNIQUE,
	name TEXT NOT NULL,
	effective_from TEXT NOT NULL,
	status TEXT NOT NULL,
	base_score REAL NOT NULL,
	max_bonus REAL NOT NULL,
	max_score REAL NOT NULL,
	default_validity_days INTEGER NOT NULL,
	objection_workdays INTEGER NOT NULL,
	grades TEXT NOT NULL,
	red_grades TEXT NOT NULL,
	black_grades TEXT NOT NULL,
	notes TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	published_at TIMESTAMP,
	published_by INTEGER
);

CREATE TABLE credit_rule_items (
	id INTEGER PRIMARY KEY,
	rule_set_id INTEGER NOT NULL REFERENCES credit_rule_sets(id),
	position INTEGER NOT NULL,
	code TEXT NOT NULL,
	kind TEXT NOT NULL,
	fact_kind TEXT NOT NULL,
	title TEXT NOT NULL,
	title_en TEXT NOT NULL,
	points REAL NOT NULL,
	max_points REAL NOT NULL,
	validity_days INTEGER NOT NULL,
	value_min REAL,
	value_max REAL,
	basis TEXT NOT NULL,
	UNIQUE (rule_set_id, code)
);

-- Facts about companies that the rules score: rectification outcomes, overdue
-- rectifications, upheld petitions, surveys, honours, party organisation …
-- (source_type, source_id, kind) is the key other modules feed facts by.
CREATE TABLE credit_facts (
	id INTEGER PRIMARY KEY,
	company_id INTEGER NOT NULL REFERENCES property_companies(id),
	compound_id INTEGER REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	source_type TEXT NOT NULL,
	source_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	value REAL,
	occurred_on TEXT NOT NULL,
	valid_from TEXT NOT NULL,
	valid_until TEXT,
	verified INTEGER NOT NULL,
	verified_by INTEGER,
	verified_at TIMESTAMP,
	disputed INTEGER NOT NULL,
	voided INTEGER NOT NULL,
	void_reason TEXT NOT NULL,
	note TEXT NOT NULL,
	created_by INTEGER,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (source_type, source_id, kind)
);
CREATE INDEX credit_facts_company ON credit_facts(company_id);
CREATE INDEX credit_facts_org_path ON credit_facts(org_path);

-- One scoring of every company for a period, and its results.
CREATE TABLE credit_runs (
	id INTEGER PRIMARY KEY,
	period TEXT NOT NULL UNIQUE,
	period_start TEXT NOT NULL,
	period_end TEXT NOT NULL,
	rule_set_id INTEGER NOT NULL REFERENCES credit_rule_sets(id),
	status TEXT NOT NULL,
	companies INTEGER NOT NULL,
	facts INTEGER NOT NULL,
	computed_at TIMESTAMP NOT NULL,
	computed_by INTEGER,
	published_at TIMESTAMP
);

CREATE TABLE credit_results (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES credit_runs(id),
	company_id INTEGER NOT NULL REFERENCES property_companies(id),
	score REAL NOT NULL,
	grade TEXT NOT NULL,
	vetoed INTEGER NOT NULL,
	list TEXT NOT NULL,
	explanation TEXT NOT NULL,
	amended_at TIMESTAMP,
	UNIQUE (run_id, company_id)
);
CREATE INDEX credit_results_company ON credit_results(company_id);

-- Objections (异议) of companies against a fact, answered within working days.
CREATE TABLE property_objections (
	id INTEGER PRIMARY KEY,
	company_id INTEGER NOT NULL REFERENCES property_companies(id),
	fact_id INTEGER NOT NULL REFERENCES credit_facts(id),
	org_path TEXT NOT NULL,
	reason TEXT NOT NULL,
	evidence TEXT NOT NULL,
	filed_by INTEGER,
	filed_at TIMESTAMP NOT NULL,
	due_on TEXT NOT NULL,
	status TEXT NOT NULL,
	answer TEXT NOT NULL,
	answered_by INTEGER,
	answered_at TIMESTAMP
);
CREATE INDEX property_objections_org_path ON property_objections(org_path);
CREATE INDEX property_objections_company ON property_objections(company_id);

CREATE TABLE property_objection_files (
	id INTEGER PRIMARY KEY,
	objection_id INTEGER NOT NULL REFERENCES property_objections(id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	data BLOB NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX property_objection_files_objection ON property_objection_files(objection_id);
