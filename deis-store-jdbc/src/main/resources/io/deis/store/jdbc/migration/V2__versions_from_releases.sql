-- An app's next release version is now its highest saved version plus one, taken by the one
-- statement that saves the release (see AppRows.append): the counter every append updated goes.
ALTER TABLE apps DROP COLUMN last_version;
