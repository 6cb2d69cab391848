-- convert: schema-wide setup.  Parts of the install script are concatenated
-- in file-name order into sql/convert--<version>.sql by the Makefile.

\echo Use "CREATE EXTENSION convert" to load this file. \quit

COMMENT ON SCHEMA convert IS 'Convert experiments: bucketing, rules, config serving and tracking';

-- The helpers behind the API (rendering, key checks, import steps, tracking
-- validation and storage, analysis scans, the PostgREST wrappers' headers)
-- live apart from it, so that schema convert holds what docs/security.md
-- and docs/reference.md document.  Nobody but the owner may use the schema; the
-- analysts' role is given the analysis helpers it calls (98_privileges.sql).
CREATE SCHEMA convert_internal;
COMMENT ON SCHEMA convert_internal IS 'Internal helpers of the convert extension; not an API';
REVOKE ALL ON SCHEMA convert_internal FROM PUBLIC;
