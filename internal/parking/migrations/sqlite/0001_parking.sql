-- Parking (停车): facilities, staggered-sharing rules, live occupancy and its
-- history, the reservation ledger, and supply projects. Coordinates are
-- WGS-84; times are UTC; clock times of rules are minutes after local
-- midnight of the day the rule applies to.

-- Supply projects (加法/减法): new lots from plan to opening.
CREATE TABLE parking_projects (
	id INTEGER PRIMARY KEY,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	name TEXT NOT NULL,
	address TEXT NOT NULL,
	lat REAL NOT NULL,
	lng REAL NOT NULL,
	land_source TEXT NOT NULL,
	kind TEXT NOT NULL,
	operator TEXT NOT NULL,
	ownership TEXT NOT NULL,
	investor_type TEXT NOT NULL,
	spaces INTEGER NOT NULL,
	investment_wan INTEGER NOT NULL,
	stage TEXT NOT NULL,
	planned_open TEXT NOT NULL,
	facility_id INTEGER,
	opened_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX parking_projects_org_path ON parking_projects(org_path);

CREATE TABLE parking_project_milestones (
	id INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES parking_projects(id),
	stage TEXT NOT NULL,
	at TIMESTAMP NOT NULL,
	note TEXT NOT NULL,
	actor TEXT NOT NULL
);
CREATE INDEX parking_project_milestones_project ON parking_project_milestones(project_id);

-- The registry. updated_at moves on every change to the facility, its rules,
-- suspensions or members: the search index of every process polls it.
CREATE TABLE parking_facilities (
	id INTEGER PRIMARY KEY,
	org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
	org_path TEXT NOT NULL,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	operator TEXT NOT NULL,
	ownership TEXT NOT NULL,
	address TEXT NOT NULL,
	lat REAL NOT NULL,
	lng REAL NOT NULL,
	total_spaces INTEGER NOT NULL,
	public_spaces INTEGER NOT NULL,
	reservable_spaces INTEGER NOT NULL,
	ev_spaces INTEGER NOT NULL,
	accessible_spaces INTEGER NOT NULL,
	vehicle_class TEXT NOT NULL,
	max_height_cm INTEGER NOT NULL,
	free_minutes INTEGER NOT NULL,
	hour_cents INTEGER NOT NULL,
	day_cap_cents INTEGER NOT NULL,
	night_hour_cents INTEGER NOT NULL,
	night_from INTEGER NOT NULL,
	night_until INTEGER NOT NULL,
	open_24h INTEGER NOT NULL,
	opens INTEGER NOT NULL,
	closes INTEGER NOT NULL,
	status TEXT NOT NULL,
	project_id INTEGER REFERENCES parking_projects(id),
	version INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX parking_facilities_org_path ON parking_facilities(org_path);
CREATE INDEX parking_facilities_updated ON parking_facilities(updated_at);

-- Staggered sharing (错时开放): on days of the given kinds (bit 1 working
-- day, 2 rest day, 4 holiday — from the platform calendar), cars enter in
-- [entry_from, entry_until] and leave by leave_by (may exceed 1440: the next
-- morning); no entry or exit in [blackout_from, blackout_until) (-1: none).
CREATE TABLE parking_share_rules (
	id INTEGER PRIMARY KEY,
	facility_id INTEGER NOT NULL REFERENCES parking_facilities(id),
	org_path TEXT NOT NULL,
	name TEXT NOT NULL,
	days INTEGER NOT NULL,
	entry_from INTEGER NOT NULL,
	entry_until INTEGER NOT NULL,
	leave_by INTEGER NOT NULL,
	blackout_from INTEGER NOT NULL,
	blackout_until INTEGER NOT NULL,
	spaces INTEGER NOT NULL,
	vehicle_class TEXT NOT NULL,
	eligibility TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX parking_share_rules_facility ON parking_share_rules(facility_id);

-- A host's suspension of sharing, announced at noticed_at, in force from
-- starts_at until ends_at (NULL: until lifted).
CREATE TABLE parking_suspensions (
	id INTEGER PRIMARY KEY,
	facility_id INTEGER NOT NULL REFERENCES parking_facilities(id),
	org_path TEXT NOT NULL,
	starts_at TIMESTAMP NOT NULL,
	ends_at TIMESTAMP,
	reason TEXT NOT NULL,
	noticed_at TIMESTAMP NOT NULL,
	cancelled INTEGER NOT NULL
);
CREATE INDEX parking_suspensions_facility ON parking_suspensions(facility_id);

-- Users registered with the host (eligibility "registered").
CREATE TABLE parking_members (
	facility_id INTEGER NOT NULL REFERENCES parking_facilities(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (facility_id, user_id)
);

-- Live occupancy pushed by the car-park system: free of capacity, the same
-- set of spaces (the facility's total).
CREATE TABLE parking_occupancy (
	facility_id INTEGER PRIMARY KEY REFERENCES parking_facilities(id),
	capacity INTEGER NOT NULL,
	free INTEGER NOT NULL,
	observed_at TIMESTAMP NOT NULL,
	received_at TIMESTAMP NOT NULL,
	CHECK (free >= 0 AND free <= capacity)
);
CREATE INDEX parking_occupancy_received ON parking_occupancy(received_at);

-- History downsampled to hours (unix hour); dow_hour is 0–167 (Monday 00h
-- = 0) in local time, for the weekday-and-time forecast.
CREATE TABLE parking_occupancy_history (
	facility_id INTEGER NOT NULL REFERENCES parking_facilities(id),
	hour INTEGER NOT NULL,
	dow_hour INTEGER NOT NULL,
	free_sum INTEGER NOT NULL,
	samples INTEGER NOT NULL,
	free_min INTEGER NOT NULL,
	capacity INTEGER NOT NULL,
	PRIMARY KEY (facility_id, hour)
);

-- The forecast profile per facility: 168 average free counts (or -1).
CREATE TABLE parking_profiles (
	facility_id INTEGER PRIMARY KEY REFERENCES parking_facilities(id),
	data TEXT NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX parking_profiles_updated ON parking_profiles(updated_at);

-- The reservation ledger: per facility and 15-minute slot (unix minutes /
-- 15), the reservable capacity and how much of it is reserved. The CHECK is
-- the invariant itself.
CREATE TABLE parking_slots (
	facility_id INTEGER NOT NULL REFERENCES parking_facilities(id),
	slot INTEGER NOT NULL,
	capacity INTEGER NOT NULL,
	reserved INTEGER NOT NULL,
	PRIMARY KEY (facility_id, slot),
	CHECK (reserved >= 0 AND reserved <= capacity)
);

CREATE TABLE parking_reservations (
	id INTEGER PRIMARY KEY,
	facility_id INTEGER NOT NULL REFERENCES parking_facilities(id),
	org_path TEXT NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users(id),
	plate TEXT NOT NULL,
	starts_at TIMESTAMP NOT NULL,
	ends_at TIMESTAMP NOT NULL,
	slot_from INTEGER NOT NULL,
	slot_to INTEGER NOT NULL,
	status TEXT NOT NULL,
	price_cents INTEGER NOT NULL,
	created_at TIMESTAMP NOT NULL,
	checked_in_at TIMESTAMP,
	checked_out_at TIMESTAMP,
	cancelled_at TIMESTAMP,
	released_from INTEGER
);
CREATE INDEX parking_reservations_user ON parking_reservations(user_id);
CREATE INDEX parking_reservations_facility ON parking_reservations(facility_id, slot_from);
CREATE INDEX parking_reservations_status ON parking_reservations(status, slot_from);

-- Every change to held capacity: delta +1 over [slot_from, slot_to) when a
-- reservation is made, -1 over what a cancellation or release frees.
CREATE TABLE parking_reservation_events (
	id INTEGER PRIMARY KEY,
	reservation_id INTEGER NOT NULL REFERENCES parking_reservations(id),
	facility_id INTEGER NOT NULL,
	kind TEXT NOT NULL,
	slot_from INTEGER NOT NULL,
	slot_to INTEGER NOT NULL,
	delta INTEGER NOT NULL,
	at TIMESTAMP NOT NULL
);
CREATE INDEX parking_reservation_events_facility ON parking_reservation_events(facility_id);

-- What a user is told (a reservation cancelled by the host …).
CREATE TABLE parking_notices (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	reservation_id INTEGER REFERENCES parking_reservations(id),
	message_zh TEXT NOT NULL,
	message_en TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX parking_notices_user ON parking_notices(user_id);
