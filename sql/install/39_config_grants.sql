-- The convert_api role: what convert-proxy (or any front end calling the
-- contract functions) logs in as, directly or through SET ROLE; PostgREST
-- uses convert_authenticator and convert_web_anon instead (70_rest_*.sql).
-- It may EXECUTE the Serving API
-- functions and nothing else: no table is granted, so secrets and token
-- hashes stay unreadable; the functions reach the tables as SECURITY DEFINER.
-- Roles are cluster-wide, so a second database may find it already there.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_api') THEN
        CREATE ROLE convert_api NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA convert TO convert_api;

-- SECURITY DEFINER functions are closed to PUBLIC and opened to the API role.
REVOKE ALL ON FUNCTION convert.project_config(bigint, bigint, text, text),
              convert.project_config_by_sdk_key(text, text, text, text),
              convert.project_config_basic(bigint, bigint),
              convert_internal.resolve_sdk_key(text, text, text, boolean),
              convert_internal.resolve_project(bigint, bigint),
              convert_internal.debug_mode(bigint, text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION convert.project_config(bigint, bigint, text, text),
                          convert.project_config_by_sdk_key(text, text, text, text),
                          convert.project_config_basic(bigint, bigint) TO convert_api;
GRANT EXECUTE ON FUNCTION convert.config_environments(text) TO convert_api;

-- Administration writes the model and is for the tables' owners.
REVOKE ALL ON FUNCTION convert.create_sdk_key(bigint, text, text, text),
              convert.set_sdk_key_secret(text, text),
              convert.generate_debug_token(bigint, interval),
              convert.renew_debug_token(text, interval) FROM PUBLIC;

-- Internal helpers are for the functions above, not for callers.
REVOKE ALL ON FUNCTION convert_internal.jsonb_without_nulls(jsonb), convert_internal.rules_jsonb(convert.rules),
              convert_internal.experience_in_environment(text, text, text[]),
              convert_internal.experience_settings_document(jsonb, text, text),
              convert_internal.secret_hash(bytea, text), convert_internal.authorization_secret(text),
              convert_internal.import_fail(text, text, jsonb), convert_internal.import_id(jsonb, text, boolean),
              convert_internal.import_text(jsonb, text), convert_internal.import_number(jsonb, text),
              convert_internal.import_integer(jsonb, text), convert_internal.import_boolean(jsonb, text),
              convert_internal.import_object(jsonb, text), convert_internal.import_array(jsonb, text),
              convert_internal.import_text_array(jsonb, text), convert_internal.import_rules(jsonb, text),
              convert_internal.import_project_row(jsonb), convert_internal.import_environments(bigint, jsonb),
              convert_internal.import_elements(jsonb, text), convert_internal.import_unique_ids(jsonb, text),
              convert_internal.import_goals(bigint, jsonb), convert_internal.import_locations(bigint, jsonb),
              convert_internal.import_audiences(bigint, jsonb), convert_internal.import_segments(bigint, jsonb),
              convert_internal.import_features(bigint, jsonb), convert_internal.import_experience_settings(jsonb),
              convert_internal.import_experiences(bigint, jsonb), convert_internal.import_experience_refs(jsonb, text),
              convert_internal.import_experience_links(bigint, jsonb), convert_internal.import_variations(bigint, jsonb),
              convert_internal.import_change_rows(jsonb), convert_internal.import_changes(bigint, jsonb),
              convert_internal.import_archived(bigint, jsonb) FROM PUBLIC;
