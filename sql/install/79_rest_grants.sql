-- Grants of the PostgREST deployment (roles in 70_rest_schema.sql).  The
-- anonymous role gets USAGE on convert_rest and EXECUTE on its functions,
-- nothing else: no table, no schema convert; the wrappers reach the
-- contract functions as SECURITY DEFINER.  The authenticator may only
-- switch to it.

REVOKE ALL ON SCHEMA convert_rest FROM PUBLIC;
GRANT USAGE ON SCHEMA convert_rest TO convert_web_anon;

REVOKE ALL ON TYPE convert_rest."application/json" FROM PUBLIC;
GRANT USAGE ON TYPE convert_rest."application/json" TO convert_web_anon;

REVOKE ALL ON FUNCTION convert_rest.config(text, text, text, text, text),
              convert_rest.project_config(bigint, bigint, text, text, text, text),
              convert_rest.project_config_basic(bigint, bigint),
              convert_rest.track(json), convert_rest.track_project(json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convert_rest.config(text, text, text, text, text),
              convert_rest.project_config(bigint, bigint, text, text, text, text),
              convert_rest.project_config_basic(bigint, bigint),
              convert_rest.track(json), convert_rest.track_project(json) TO convert_web_anon;

-- Already a member when a second database installs the extension.
DO $$
BEGIN
    IF NOT pg_catalog.pg_has_role('convert_authenticator', 'convert_web_anon', 'MEMBER') THEN
        GRANT convert_web_anon TO convert_authenticator;
    END IF;
END
$$;
