-- Created with the first migration, in its transaction: which migrations this file has had.
create table schema_version (
    version integer primary key,
    name varchar not null,
    checksum varchar not null,
    applied_at timestamptz not null
);
comment on table schema_version is 'Which schema migrations this file has had, and when.';
comment on column schema_version.version is 'Migration number (the NNN of warehouse/migrations/NNN_name.sql).';
comment on column schema_version.name is 'Migration name.';
comment on column schema_version.checksum is 'Hash of the migration file as applied.';
comment on column schema_version.applied_at is 'When it was applied (UTC).';
