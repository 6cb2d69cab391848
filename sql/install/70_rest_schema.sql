-- Serving through PostgREST (docs/postgrest.md): schema convert_rest is
-- what a PostgREST deployment exposes (db-schemas = convert_rest).  It holds
-- only thin wrappers over the contract functions; anything else put here
-- would become an /rpc/ route, so helpers live in schema convert.
--
-- The name differs from the convert_api role (39_config_grants.sql), which
-- is the login/API role of convert-proxy: the two serve different front ends.

CREATE SCHEMA convert_rest;
COMMENT ON SCHEMA convert_rest IS
'The Serving API as PostgREST functions; expose it with db-schemas = convert_rest';

-- PostgREST (12 or later) sends the value of a function returning a domain
-- named after a media type as the response body, unchanged, with that
-- Content-Type: configs go out byte for byte, not re-encoded or wrapped.
CREATE DOMAIN convert_rest."application/json" AS json;

-- The roles of a PostgREST deployment.  Roles are cluster-wide, so a second
-- database in the same cluster finds them already there.
--   convert_web_anon       db-anon-role: may only EXECUTE convert_rest's functions
--   convert_authenticator  the role PostgREST logs in as; NOINHERIT, so it has
--                          no rights of its own until it switches to the anon
--                          role.  NOLOGIN here: the DBA gives it LOGIN and a
--                          password (docs/postgrest.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_web_anon') THEN
        CREATE ROLE convert_web_anon NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_authenticator') THEN
        CREATE ROLE convert_authenticator NOLOGIN NOINHERIT;
    END IF;
END
$$;
