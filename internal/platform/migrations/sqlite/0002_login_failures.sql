-- Failed password logins for identifiers that name no account. An existing
-- account counts its failures in users.failed_logins; an unknown name must be
-- locked after as many failures too, or the lockout would tell which names
-- exist. The identifier is kept only as a hash (people type passwords into
-- the name field). Rows untouched for a day are removed.
CREATE TABLE login_failures (
	ident_hash TEXT PRIMARY KEY,
	failures INTEGER NOT NULL DEFAULT 0,
	locked_until TIMESTAMP,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_updated ON login_failures(updated_at);
