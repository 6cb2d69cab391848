-- Access to configs: SDK keys and their secrets, the account/project route,
-- disable_default_config, debug tokens, and the convert_api role.
-- Account 7200 with projects 7201 and 7202.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never

SELECT convert.import_project('{"account_id": "7200", "project": {"id": "7201",
  "environments": {"production": {"label": "Production", "is_default": true},
                   "staging": {"label": "Staging", "is_default": false}}},
  "experiences": [
    {"id": "301", "key": "live-one", "status": "active", "variations": []},
    {"id": "302", "key": "draft-one", "status": "draft", "variations": []},
    {"id": "303", "key": "staging-only", "status": "active", "environment": "staging", "variations": []},
    {"id": "304", "key": "production-only", "status": "active", "environment": "production",
     "variations": []}]}');
SELECT convert.import_project('{"account_id": "7200", "project": {"id": "7202"}}');

-- Keys: without a secret, with one, bound to an environment, in the account/project form
SELECT convert.create_sdk_key(7201, NULL, 'open-key');
SELECT convert.create_sdk_key(7201, 's3cr3t', 'secret-key');
SELECT convert.create_sdk_key(7201, NULL, 'staging-key', 'staging');
SELECT convert.create_sdk_key(7202, NULL, '7200/7201');
SELECT length(convert.create_sdk_key(7201)) AS generated_key_length;
-- Only a salted hash of the secret is stored; two keys with one secret differ
SELECT convert.create_sdk_key(7201, 's3cr3t', 'secret-key-2');
SELECT sdk_key, environment, length(secret_salt) AS salt_bytes, length(secret_hash) AS hash_bytes,
       position(convert_to('s3cr3t', 'UTF8') IN secret_hash) AS secret_in_hash
FROM convert.sdk_keys WHERE sdk_key IN ('open-key', 'secret-key', 'secret-key-2', 'staging-key')
ORDER BY sdk_key;
SELECT count(DISTINCT secret_hash) AS distinct_hashes
FROM convert.sdk_keys WHERE sdk_key IN ('secret-key', 'secret-key-2');

-- create_sdk_key refuses what cannot work
SELECT regress.try($$SELECT convert.create_sdk_key(7999)$$);
SELECT regress.try($$SELECT convert.create_sdk_key(7201, '')$$);
SELECT regress.try($$SELECT convert.create_sdk_key(7201, NULL, 'bad key?')$$);
SELECT regress.try($$SELECT convert.create_sdk_key(7201, NULL, 'open-key')$$);
SELECT regress.try($$SELECT convert.create_sdk_key(7201, NULL, NULL, 'qa')$$);

-- Which experiences a response serves, and whether it is a debug one
CREATE FUNCTION pg_temp.served(config json) RETURNS text LANGUAGE sql AS $$
    SELECT config -> 'project' ->> 'id' || ': '
           || coalesce((SELECT string_agg(x ->> 'key', ' ') FROM json_array_elements(config -> 'experiences') x), '-')
           || CASE WHEN (config ->> 'is_debug')::boolean THEN ' (debug)' ELSE '' END
$$;

-- A key without a secret: no header, or an empty one
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key', NULL, ''));
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key', 'staging', '  '));
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('open-key', NULL, 'Bearer s3cr3t')$$);
-- A key with a secret: "Bearer <secret>" (any case), or the bare secret
SELECT pg_temp.served(convert.project_config_by_sdk_key('secret-key', NULL, 'Bearer s3cr3t'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('secret-key', NULL, 'bearer   s3cr3t'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('secret-key', NULL, 's3cr3t'));
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('secret-key')$$);
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('secret-key', NULL, '')$$);
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('secret-key', NULL, 'Bearer s3cr3T')$$);
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('secret-key', NULL, 'Bearer')$$);
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('secret-key', NULL, 'Basic czNjcjN0')$$);
-- The error says why, and never repeats the secret
SELECT convert.project_config_by_sdk_key('secret-key', NULL, 'Bearer wrong-secret');
SELECT convert.project_config_by_sdk_key('secret-key');
-- A new secret replaces the old one; NULL removes it
SELECT convert.set_sdk_key_secret('secret-key', 'n3w');
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('secret-key', NULL, 'Bearer s3cr3t')$$);
SELECT pg_temp.served(convert.project_config_by_sdk_key('secret-key', NULL, 'Bearer n3w'));
SELECT convert.set_sdk_key_secret('secret-key', NULL);
SELECT pg_temp.served(convert.project_config_by_sdk_key('secret-key'));
SELECT regress.try($$SELECT convert.set_sdk_key_secret('no-such-key', 'x')$$);

-- A key bound to an environment serves it, and refuses another
SELECT pg_temp.served(convert.project_config_by_sdk_key('staging-key'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('staging-key', 'staging'));
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('staging-key', 'production')$$);
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key', 'production'));

-- Unknown keys; a two-segment path is an sdk key first, the account/project route otherwise
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('no-such-key')$$);
SELECT pg_temp.served(convert.project_config_by_sdk_key('7200/7201'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('7200/7202'));
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('7200/7999')$$);
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('7999/7202')$$);

-- The account/project route
SELECT pg_temp.served(convert.project_config(7200, 7201));
SELECT regress.try($$SELECT convert.project_config(7200, 7999)$$);
SELECT regress.try($$SELECT convert.project_config(7999, 7201)$$);
SELECT regress.try($$SELECT convert.project_config_basic(7999, 7201)$$);
-- disable_default_config: only sdk keys reach the project
UPDATE convert.projects SET disable_default_config = true WHERE id = 7201;
SELECT convert.project_config(7200, 7201);
SELECT regress.try($$SELECT convert.project_config_basic(7200, 7201)$$);
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('7200/7202')$$);
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('7200/7201'));
UPDATE convert.projects SET disable_default_config = false WHERE id = 7201;

-- Debug tokens: drafts and paused experiences, is_debug
SELECT convert.generate_debug_token(7201) AS token \gset
SELECT convert.generate_debug_token(7202) AS other_token \gset
SELECT length(:'token') AS token_length, :'token' ~ '^[0-9a-f]+$' AS hex;
SELECT expires_at - created_at AS lifetime FROM convert.debug_tokens
WHERE token_hash = sha256(convert_to(:'token', 'UTF8'));
SELECT pg_temp.served(convert.project_config(7200, 7201, NULL, :'token'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key', NULL, NULL, :'token'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key', 'staging', NULL, :'token'));
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key', NULL, NULL, ''));
-- Through PostgREST the header convert-debug-token arrives in request.headers
BEGIN;
SELECT set_config('request.headers', json_build_object('convert-debug-token', :'token')::text, true) IS NOT NULL AS set;
SELECT pg_temp.served(convert.project_config(7200, 7201));
SELECT set_config('request.headers', '{"convert-debug-token": "not-a-token"}', true) IS NOT NULL AS set;
SELECT regress.try($$SELECT convert.project_config(7200, 7201)$$);
SELECT set_config('request.headers', '{"accept": "*/*"}', true) IS NOT NULL AS set;
SELECT pg_temp.served(convert.project_config(7200, 7201));
COMMIT;
SELECT regress.try($$SELECT convert.project_config_by_sdk_key('open-key', NULL, NULL, 'not-a-token')$$);
SELECT regress.try(format('SELECT convert.project_config(7200, 7201, NULL, %L)', :'other_token'));
SELECT regress.try(format('SELECT convert.project_config_by_sdk_key(%L, NULL, NULL, %L)', 'open-key', :'other_token'));
-- An expired token is refused until renewed
UPDATE convert.debug_tokens
SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
WHERE token_hash = sha256(convert_to(:'token', 'UTF8'));
SELECT regress.try(format('SELECT convert.project_config(7200, 7201, NULL, %L)', :'token'));
SELECT convert.renew_debug_token(:'token', '1 hour') - now() AS renewed_for;
SELECT pg_temp.served(convert.project_config(7200, 7201, NULL, :'token'));
SELECT regress.try($$SELECT convert.renew_debug_token('not-a-token')$$);
SELECT regress.try($$SELECT convert.generate_debug_token(7201, '-1 hour')$$);
SELECT regress.try($$SELECT convert.generate_debug_token(7999)$$);
SELECT convert.generate_debug_token(7201, '90 minutes') IS NOT NULL AS custom_lifetime;

-- The shared access checks, for tracking and other callers
SELECT * FROM convert_internal.resolve_sdk_key('staging-key');
SELECT * FROM convert_internal.resolve_sdk_key('open-key', NULL, 'production');
SELECT convert.create_sdk_key(7201, 'beacon', 'beacon-key');
SELECT regress.try($$SELECT convert_internal.resolve_sdk_key('beacon-key')$$);
SELECT project_id FROM convert_internal.resolve_sdk_key('beacon-key', NULL, NULL, require_secret => false);
SELECT regress.try($$SELECT convert_internal.resolve_sdk_key('beacon-key', 'Bearer nope', NULL, require_secret => false)$$);
SELECT convert_internal.resolve_project(7200, 7202);

-- Config functions are STABLE: they work in a read-only transaction
BEGIN TRANSACTION READ ONLY;
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key'));
SELECT pg_temp.served(convert.project_config(7200, 7201));
COMMIT;
SELECT p.pronamespace::regnamespace AS schema, p.proname, p.provolatile, p.prosecdef, p.proconfig
FROM pg_proc p
WHERE p.pronamespace IN ('convert'::regnamespace, 'convert_internal'::regnamespace)
  AND p.proname IN ('project_config', 'project_config_by_sdk_key', 'project_config_basic',
                    'resolve_sdk_key', 'resolve_project', 'debug_mode')
ORDER BY 2;

-- convert_api may call the API functions and read nothing directly
SELECT rolcanlogin FROM pg_roles WHERE rolname = 'convert_api';
SET ROLE convert_api;
SELECT pg_temp.served(convert.project_config_by_sdk_key('open-key'));
SELECT pg_temp.served(convert.project_config(7200, 7201));
SELECT convert.project_config_basic(7200, 7202);
SELECT regress.try($$SELECT count(*) FROM convert.sdk_keys$$);
SELECT regress.try($$SELECT count(*) FROM convert.projects$$);
SELECT regress.try($$SELECT count(*) FROM convert.config_cache$$);
SELECT regress.try($$SELECT count(*) FROM convert.project_configs$$);
SELECT regress.try($$SELECT convert_internal.render_config(7201, NULL, false)$$);
SELECT regress.try($$SELECT convert_internal.resolve_sdk_key('open-key')$$);
SELECT regress.try($$SELECT convert.create_sdk_key(7201)$$);
SELECT regress.try($$SELECT convert.generate_debug_token(7201)$$);
SELECT regress.try($$SELECT convert.import_project('{}')$$);
SELECT regress.try($$SELECT convert_internal.secret_equal('\x01', '\x01')$$);
SELECT regress.try($$SELECT convert.refresh_config_cache(7201)$$);
SELECT regress.try($$SELECT convert_internal.import_goals(7201, '{}')$$);
SELECT regress.try($$SELECT convert_internal.secret_hash('\x00', 'x')$$);
RESET ROLE;
SELECT count(*) AS relations_convert_api_may_use
FROM pg_class c
WHERE c.relnamespace = 'convert'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND has_table_privilege('convert_api', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER');
-- What a client sent is quoted in messages up to 100 characters, cut with
-- "...": a 150-character key, a 150-character environment.
CREATE FUNCTION pg_temp.message_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    msg text;
    detail text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || msg || ' / ' || coalesce(detail, '');
END
$$;
SELECT pg_temp.message_of(format('SELECT convert.project_config_by_sdk_key(%L)', repeat('k', 150)));
SELECT pg_temp.message_of(format('SELECT convert.project_config_by_sdk_key(%L, %L)',
                                 'staging-key', repeat('é', 150)));

-- Every SECURITY DEFINER function pins its search_path
SELECT count(*) AS definer_without_search_path
FROM pg_proc p
WHERE p.pronamespace IN ('convert'::regnamespace, 'convert_internal'::regnamespace,
                        'convert_rest'::regnamespace) AND p.prosecdef
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');

DELETE FROM convert.accounts WHERE id = 7200;
