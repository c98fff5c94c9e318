-- The administrative tree: city → district → street → community → compound → building.
-- path is the materialised path of ids ("/1/7/42/"), so "within my scope" is one
-- prefix comparison on an index, for every module.
CREATE TABLE org_units (
	id INTEGER PRIMARY KEY,
	parent_id INTEGER REFERENCES org_units(id),
	kind TEXT NOT NULL,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	path TEXT NOT NULL UNIQUE,
	depth INTEGER NOT NULL,
	lat REAL,
	lng REAL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id);

-- The bureau's departments (parking, property, approval, petition, office …).
CREATE TABLE departments (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	name_en TEXT NOT NULL
);

-- Accounts of every kind. Staff log in by username; citizens and companies by mobile.
-- A staff account's scope is org_path (a node of the tree) and optionally a department.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	username TEXT UNIQUE,
	mobile TEXT UNIQUE,
	display_name TEXT NOT NULL,
	role TEXT NOT NULL,
	org_unit_id INTEGER REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	department_id INTEGER REFERENCES departments(id),
	password_hash TEXT NOT NULL,
	password_changed_at TIMESTAMP NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until TIMESTAMP,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_org_path ON users(org_path);

-- Server-side sessions: the cookie carries a random id, the table only its hash.
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	csrf_token TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	last_seen_at TIMESTAMP NOT NULL,
	ip TEXT NOT NULL,
	user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- One-time SMS codes for citizens and companies (hashed).
CREATE TABLE sms_codes (
	id INTEGER PRIMARY KEY,
	mobile TEXT NOT NULL,
	purpose TEXT NOT NULL,
	code_hash TEXT NOT NULL,
	expires_at TIMESTAMP NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	used INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX sms_codes_mobile ON sms_codes(mobile, purpose);

-- Machine API tokens for systems that push data (car parks, the 12345 hotline).
CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	prefix TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	permissions TEXT NOT NULL,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id),
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP,
	revoked_at TIMESTAMP,
	last_used_at TIMESTAMP
);

-- Settings that administrators change at run time (password policy …), as JSON.
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_by INTEGER,
	updated_at TIMESTAMP NOT NULL
);

-- Official holidays and make-up working days per year, loaded by an administrator
-- (holiday-cn JSON); years built into the binary need no row.
CREATE TABLE calendar_years (
	year INTEGER PRIMARY KEY,
	data TEXT NOT NULL,
	loaded_by INTEGER,
	loaded_at TIMESTAMP NOT NULL
);

-- The audit log. Rows are written in the transaction of the action they record;
-- the sealer then links them into a hash chain in seal order (chain_pos), so
-- that an edited or deleted row is found by `anju audit verify`.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at TIMESTAMP NOT NULL,
	actor_id INTEGER,
	actor_name TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	org_path TEXT NOT NULL,
	ip TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	result TEXT NOT NULL,
	detail TEXT NOT NULL,
	chain_pos INTEGER UNIQUE,
	prev_hash TEXT,
	hash TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_unsealed ON audit_log(chain_pos) WHERE chain_pos IS NULL;
CREATE INDEX audit_log_org_path ON audit_log(org_path);

-- Where the chain starts after old rows past retention were removed.
CREATE TABLE audit_anchor (
	id INTEGER PRIMARY KEY,
	chain_pos INTEGER NOT NULL,
	hash TEXT NOT NULL,
	purged_before TIMESTAMP NOT NULL,
	created_at TIMESTAMP NOT NULL
);
