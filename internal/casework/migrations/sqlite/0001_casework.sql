-- The case engine's tables, shared by every case type (petitions now;
-- property rectifications and approval applications later). One row per
-- case; type-specific facts that no list filters on live in data (JSON).
CREATE TABLE cases (
	id INTEGER PRIMARY KEY,
	type TEXT NOT NULL,
	number TEXT NOT NULL UNIQUE,
	state TEXT NOT NULL,
	-- Optimistic concurrency: every command names the version it saw.
	version INTEGER NOT NULL,
	-- The unit that handles the case, and its path (scope).
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	department_id INTEGER REFERENCES departments(id),
	assignee_id INTEGER REFERENCES users(id),
	-- A transfer waiting for the receiver to accept or object.
	pending_unit_id INTEGER REFERENCES org_units(id),
	pending_path TEXT,
	pending_department_id INTEGER REFERENCES departments(id),
	pending_due_at TIMESTAMP,
	category TEXT NOT NULL,
	subcategory TEXT NOT NULL,
	kind TEXT NOT NULL,
	channel TEXT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	-- The public party: petitioner, applicant, responsible company.
	party_user_id INTEGER REFERENCES users(id),
	party_name TEXT NOT NULL,
	party_phone TEXT NOT NULL,
	check_code TEXT NOT NULL,
	address TEXT NOT NULL,
	lat REAL,
	lng REAL,
	compound_id INTEGER REFERENCES org_units(id),
	external_ref TEXT,
	received_at TIMESTAMP NOT NULL,
	-- Deadlines (end of the deadline's day in the city's time zone).
	response_due_at TIMESTAMP,
	responded_at TIMESTAMP,
	stage_due_at TIMESTAMP,
	final_from TEXT NOT NULL,
	final_days INTEGER NOT NULL,
	final_due_at TIMESTAMP,
	-- The earliest open deadline; the sweeper and the ledger read this one.
	due_at TIMESTAMP,
	-- 0 nothing sent, 1 due-soon notice sent, 2 overdue notice sent (for due_at).
	notified_level INTEGER NOT NULL,
	accepted_at TIMESTAMP,
	replied_at TIMESTAMP,
	closed_at TIMESTAMP,
	closed_reason TEXT NOT NULL,
	rating TEXT NOT NULL,
	rated_at TIMESTAMP,
	flags INTEGER NOT NULL,
	related_id INTEGER REFERENCES cases(id),
	track_failures INTEGER NOT NULL,
	track_locked_until TIMESTAMP,
	data TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cases_type_received ON cases(type, received_at);
CREATE INDEX cases_org_path_received ON cases(org_path, received_at);
CREATE INDEX cases_state_received ON cases(type, state, received_at);
CREATE INDEX cases_category_received ON cases(type, category, received_at);
CREATE INDEX cases_due ON cases(due_at) WHERE closed_at IS NULL;
CREATE INDEX cases_sweep ON cases(due_at) WHERE closed_at IS NULL AND notified_level < 2;
CREATE INDEX cases_pending ON cases(pending_path) WHERE pending_path IS NOT NULL;
CREATE INDEX cases_party_user ON cases(party_user_id) WHERE party_user_id IS NOT NULL;
CREATE INDEX cases_party_phone ON cases(party_phone, category);
CREATE UNIQUE INDEX cases_external_ref ON cases(channel, external_ref) WHERE external_ref IS NOT NULL;

-- The timeline: every event of a case, public ones shown to the party.
CREATE TABLE case_events (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	at TIMESTAMP NOT NULL,
	kind TEXT NOT NULL,
	actor_id INTEGER,
	actor_name TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	public INTEGER NOT NULL,
	text TEXT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Files attached to a case (images, PDF), checked by content on upload.
CREATE TABLE case_attachments (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	event_id INTEGER REFERENCES case_events(id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	public INTEGER NOT NULL,
	content BLOB NOT NULL,
	created_by INTEGER,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id);

-- Notices: the in-app inbox (to a person or to a unit's staff) and the
-- outbound queue (webhook, SMS) that a dispatcher drains.
CREATE TABLE case_notifications (
	id INTEGER PRIMARY KEY,
	case_id INTEGER NOT NULL REFERENCES cases(id),
	kind TEXT NOT NULL,
	audience TEXT NOT NULL,
	recipient_user_id INTEGER REFERENCES users(id),
	recipient_unit_id INTEGER REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	department_id INTEGER,
	text TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	read_at TIMESTAMP,
	out_state TEXT NOT NULL,
	out_attempts INTEGER NOT NULL,
	out_claimed_at TIMESTAMP,
	out_sent_at TIMESTAMP,
	out_error TEXT NOT NULL
);
CREATE INDEX case_notifications_user ON case_notifications(recipient_user_id, id);
CREATE INDEX case_notifications_unit ON case_notifications(recipient_unit_id, id);
CREATE INDEX case_notifications_out ON case_notifications(out_state, id) WHERE out_state IN ('pending', 'sending');

-- Ledger filters a user saved under a name.
CREATE TABLE saved_filters (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	case_type TEXT NOT NULL,
	name TEXT NOT NULL,
	query TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (user_id, case_type, name)
);
