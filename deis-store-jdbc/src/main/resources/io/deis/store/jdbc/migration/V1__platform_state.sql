-- The controller's state: one database (or schema) per installation. The same script runs on H2
-- and on PostgreSQL, so it keeps to what both accept. VARCHAR only for keys (H2 cannot index its
-- TEXT, a CLOB); every other string is TEXT, so no length limit can fail a write.

-- The installation's id: exactly one row, written on first use (by JdbcStore, with a random id).
-- Its row is also the lock that user changes take, so "the first user is an administrator" and
-- "never no administrator" hold under concurrent writers in several processes.
CREATE TABLE installation (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  id VARCHAR(16) NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL
);

-- Which controller reconciles the runtime, until when (the database's clock).
CREATE TABLE reconciler_lease (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  holder VARCHAR(200),
  expires TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
INSERT INTO reconciler_lease (singleton, holder, expires) VALUES (1, NULL, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00:00');

CREATE TABLE users (
  username VARCHAR(150) PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  email TEXT NOT NULL,
  admin BOOLEAN NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  password_hash TEXT NOT NULL
);

-- API tokens, as SHA-256 hashes only.
CREATE TABLE tokens (
  token_hash VARCHAR(128) PRIMARY KEY,
  username VARCHAR(150) NOT NULL REFERENCES users (username) ON DELETE CASCADE
);
CREATE INDEX tokens_by_user ON tokens (username);

CREATE TABLE ssh_keys (
  fingerprint VARCHAR(100) PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  owner VARCHAR(150) NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  id VARCHAR(255) NOT NULL,
  public_key TEXT NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT ssh_keys_owner_id UNIQUE (owner, id)
);

-- An app's owner and collaborators are usernames without a foreign key: the controller checks
-- them, and deleting a user removes their shares explicitly.
-- last_version is the app's highest release version: the next release takes it + 1, and the
-- UPDATE that increments it holds the app row's lock until the release is saved.
CREATE TABLE apps (
  name VARCHAR(64) PRIMARY KEY,
  owner TEXT NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  structure TEXT NOT NULL,
  last_version INTEGER NOT NULL
);

-- vN = build + config. Versions are allocated from apps.last_version under the app row's lock;
-- the primary key (app, version) is the last guard of unique versions.
CREATE TABLE releases (
  app VARCHAR(64) NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  uuid TEXT NOT NULL,
  owner TEXT NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  build TEXT,
  config TEXT NOT NULL,
  summary TEXT NOT NULL,
  status VARCHAR(16) NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
  failure TEXT,
  PRIMARY KEY (app, version)
);
-- The current release (the newest SUCCEEDED) and the PENDING ones, without reading an app's history
-- (queries order by all three columns, so H2 reads the index in order too).
CREATE INDEX releases_by_status ON releases (app, status, version DESC);

CREATE TABLE collaborators (
  app VARCHAR(64) NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
  username VARCHAR(150) NOT NULL,
  PRIMARY KEY (app, username)
);
CREATE INDEX collaborators_by_user ON collaborators (username);

-- A domain belongs to one app, compared without case (domain_key is the lowercase name).
CREATE TABLE domains (
  domain_key VARCHAR(255) PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  app VARCHAR(64) NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
  domain VARCHAR(255) NOT NULL,
  owner TEXT NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
CREATE INDEX domains_by_app ON domains (app);

-- A certificate's public part, and apart from it its private key, which only the router reads.
CREATE TABLE certificates (
  common_name_key VARCHAR(255) PRIMARY KEY,
  common_name VARCHAR(255) NOT NULL,
  owner TEXT NOT NULL,
  created TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  expires TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  certificate_pem TEXT NOT NULL
);
CREATE TABLE certificate_keys (
  common_name_key VARCHAR(255) PRIMARY KEY REFERENCES certificates (common_name_key) ON DELETE CASCADE,
  private_key_pem TEXT NOT NULL
);
