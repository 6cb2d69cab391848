-- Schema convert_rest called the way PostgREST calls it: one transaction per
-- request (READ ONLY for GET), SET LOCAL ROLE to the anonymous role,
-- request.method/path/headers set with set_config(..., true), then the
-- function; the answer is the body, response.headers and response.status,
-- or a PTnnn error that PostgREST sends with status nnn.
-- Account 7900 with projects 7901 and 7902.
SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never

SELECT convert.import_project('{"account_id": "7900", "project": {"id": "7901",
  "settings": {"include_jquery": false, "version": 3},
  "environments": {"production": {"label": "Production", "is_default": true},
                   "staging": {"label": "Staging", "is_default": false}}},
  "experiences": [
    {"id": "791", "key": "live-one", "status": "active",
     "variations": [{"id": "7910", "key": "original", "traffic_allocation": 100}]},
    {"id": "792", "key": "draft-one", "status": "draft", "variations": []},
    {"id": "793", "key": "staging-only", "status": "active", "environment": "staging", "variations": []}],
  "goals": [{"id": "7911", "key": "signup", "type": "code_trigger"}]}');
SELECT convert.import_project('{"account_id": "7900", "project": {"id": "7902"},
  "experiences": [{"id": "794", "key": "closed-one", "status": "active", "variations": []}]}');
UPDATE convert.projects SET disable_default_config = true WHERE id = 7902;
SELECT convert.create_sdk_key(7901, NULL, 'rest-open');
SELECT convert.create_sdk_key(7901, 's3cr3t', 'rest-secret');
SELECT convert.create_sdk_key(7902, NULL, 'rest-closed');
SELECT convert.generate_debug_token(7901) AS debug_token \gset

-- One request as PostgREST makes it, inside the caller's transaction.  The
-- status is response.status, else 200; an error's PTnnn becomes nnn (other
-- SQLSTATEs are shown as they are).  ETag
-- values are shown as "md5(body)" when they are exactly that, so the output
-- states the tag's meaning rather than freezing a hash.
CREATE FUNCTION pg_temp.request(method text, path text, headers json, call text,
                                OUT status text, OUT response_headers text, OUT body text)
LANGUAGE plpgsql AS $$
DECLARE
    raw_headers text;
BEGIN
    -- PostgREST runs each request in a transaction of its own: nothing is
    -- left from an earlier request of this test's transaction
    PERFORM set_config('response.status', '', true);
    PERFORM set_config('response.headers', '', true);
    PERFORM set_config('request.method', method, true);
    PERFORM set_config('request.path', path, true);
    PERFORM set_config('request.headers', headers::text, true);
    BEGIN
        EXECUTE 'SELECT (' || call || ')::text' INTO body;
        status := coalesce(nullif(current_setting('response.status', true), ''), '200');
        raw_headers := nullif(current_setting('response.headers', true), '');
    EXCEPTION WHEN OTHERS THEN
        status := CASE WHEN SQLSTATE LIKE 'PT%' THEN substr(SQLSTATE, 3) || ' (' || SQLSTATE || ')'
                       ELSE 'error ' || SQLSTATE END;
        body := SQLERRM;
    END;
    response_headers := replace(raw_headers, '\"' || md5(coalesce(body, '')) || '\"', '\"md5(body)\"');
END
$$;

-- What a config body serves: project, experience keys, debug flag.
CREATE FUNCTION pg_temp.served(body text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN body IS NULL OR left(body, 1) <> '{' THEN body ELSE
        (body::json -> 'project' ->> 'id') || ': '
        || coalesce((SELECT string_agg(x ->> 'key', ' ') FROM json_array_elements(body::json -> 'experiences') x), '-')
        || CASE WHEN (body::json ->> 'is_debug')::boolean THEN ' (debug)' ELSE '' END END
$$;

-- The exposed schema: only the five wrappers, each answering the
-- application/json media-type domain (a raw body); config wrappers STABLE,
-- track wrappers VOLATILE with one unnamed json parameter (the POST body).
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility, p.prosecdef AS definer,
       p.prorettype::regtype AS returns, p.proargnames AS argument_names, p.proconfig AS settings
FROM pg_proc p WHERE p.pronamespace = 'convert_rest'::regnamespace ORDER BY p.proname;
SELECT t.typname, t.typbasetype::regtype AS base
FROM pg_type t WHERE t.typnamespace = 'convert_rest'::regnamespace AND t.typtype = 'd';

-- GET /rpc/config?sdk_key=rest-open: the body is byte for byte the contract's
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{"accept": "*/*"}',
                     $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;
SELECT convert.project_config_by_sdk_key('rest-open')::text AS expected_body \gset
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT body = :'expected_body' AS byte_for_byte, left(body, 1) AS first_byte
FROM pg_temp.request('GET', '/rpc/config', '{}', $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;

-- environment and the SDK's own parameters (_conv_low_cache, exp)
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{}',
     $$convert_rest.config(sdk_key => 'rest-open', environment => 'staging', _conv_low_cache => '1', exp => '791')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{}',
     $$convert_rest.config(sdk_key => 'rest-open', _conv_low_cache => '0')$$);
COMMIT;

-- The secret: Authorization (a JWT PostgREST let through) or convert-sdk-secret
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{"authorization": "Bearer s3cr3t"}',
                     $$convert_rest.config(sdk_key => 'rest-secret')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{"convert-sdk-secret": "Bearer s3cr3t", "authorization": "Bearer a.jwt.token"}',
                     $$convert_rest.config(sdk_key => 'rest-secret')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, body
FROM pg_temp.request('GET', '/rpc/config', '{"authorization": "Bearer wrong"}',
                     $$convert_rest.config(sdk_key => 'rest-secret')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/config', '{}', $$convert_rest.config(sdk_key => 'rest-secret')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/config', '{"authorization": "Bearer s3cr3t"}',
                     $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;

-- Unknown keys; the "<account_id>/<project_id>" key form
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/config', '{}', $$convert_rest.config(sdk_key => 'no-such-key')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{}', $$convert_rest.config(sdk_key => '7900/7901')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/config', '{}', $$convert_rest.config(sdk_key => '7900/7902')$$);
COMMIT;

-- Debug token: the header, or the debug_token parameter (header wins)
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', json_build_object('convert-debug-token', :'debug_token'),
                     $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', '{}',
                     format('convert_rest.config(sdk_key => %L, debug_token => %L)', 'rest-open', :'debug_token'));
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/config', json_build_object('convert-debug-token', :'debug_token'),
                     $$convert_rest.config(sdk_key => 'rest-open', debug_token => 'not-a-token')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/config', '{"convert-debug-token": "not-a-token"}',
                     $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;

-- If-None-Match: the tag (also weak, in a list, or *) gives 304 and no body
SELECT '"' || md5(convert.project_config_by_sdk_key('rest-open')::text) || '"' AS etag \gset
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, (response_headers::json -> 0 ->> 'ETag') = :'etag' AS same_etag,
       response_headers::json -> 1 AS cache_control, body
FROM pg_temp.request('GET', '/rpc/config', json_build_object('if-none-match', :'etag'),
                     $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT replace(inm, :'etag', '<etag>') AS if_none_match, status, body IS NULL AS no_body
FROM unnest(ARRAY['"other", W/' || :'etag', '*', '"other"', 'W/"other", "x"']) AS inm,
     pg_temp.request('GET', '/rpc/config', json_build_object('if-none-match', inm),
                     $$convert_rest.config(sdk_key => 'rest-open')$$);
COMMIT;
-- Another environment's config has another tag; an equal config the same
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT environment, status, pg_temp.served(body)
FROM unnest(ARRAY['production', 'staging']) AS environment,
     pg_temp.request('GET', '/rpc/config', json_build_object('if-none-match', :'etag'),
                     format('convert_rest.config(sdk_key => %L, environment => %L)', 'rest-open', environment));
COMMIT;

-- GET /rpc/project_config?account_id=&project_id=
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/project_config', '{}',
                     $$convert_rest.project_config(account_id => 7900, project_id => 7901, environment => 'staging')$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, pg_temp.served(body)
FROM pg_temp.request('GET', '/rpc/project_config', json_build_object('convert-debug-token', :'debug_token'),
                     $$convert_rest.project_config(account_id => 7900, project_id => 7901)$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/project_config', '{}',
                     $$convert_rest.project_config(account_id => 7900, project_id => 7902)$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/project_config', '{}',
                     $$convert_rest.project_config(account_id => 7999, project_id => 7901)$$);
COMMIT;

-- GET /rpc/project_config_basic?account_id=&project_id=
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, body
FROM pg_temp.request('GET', '/rpc/project_config_basic', '{}',
                     $$convert_rest.project_config_basic(account_id => 7900, project_id => 7901)$$);
COMMIT;
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/project_config_basic', '{}',
                     $$convert_rest.project_config_basic(account_id => 7900, project_id => 7902)$$);
COMMIT;

-- POST /rpc/track (READ WRITE): the sdk key in convert-sdk-key
\set batch '{"enrichData":true,"accountId":"7900","projectId":"7901","visitors":[{"visitorId":"rest-v1","events":[{"eventType":"bucketing","data":{"experienceId":"791","variationId":"7910"}}]}],"source":"js-sdk"}'
\set conversion '{"enrichData":true,"accountId":"7900","projectId":"7901","visitors":[{"visitorId":"rest-v1","events":[{"eventType":"conversion","data":{"goalId":"7911"}}]}],"source":"js-sdk"}'
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "rest-open", "content-type": "application/json"}',
                     format('convert_rest.track(%L::json)', :'batch'));
COMMIT;
-- The same batch again is a retry; with the secret of a secret key
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "rest-open"}',
                     format('convert_rest.track(%L::json)', :'batch'));
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "rest-secret", "authorization": "Bearer s3cr3t"}',
                     format('convert_rest.track(%L::json)', :'conversion'));
COMMIT;
-- A beacon sends no secret: accepted; a wrong secret is not
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "rest-secret"}',
                     format('convert_rest.track(%L::json)', replace(:'conversion', 'rest-v1', 'rest-v2')));
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "rest-secret", "convert-sdk-secret": "nope"}',
                     format('convert_rest.track(%L::json)', replace(:'conversion', 'rest-v1', 'rest-v3')));
COMMIT;
-- Missing or unknown key; the account/project key form; a refused project
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{}', format('convert_rest.track(%L::json)', :'batch'));
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "no-such-key"}',
                     format('convert_rest.track(%L::json)', :'batch'));
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "7900/7901"}',
                     format('convert_rest.track(%L::json)', replace(:'batch', 'rest-v1', 'rest-v4')));
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "7900/7902"}',
                     format('convert_rest.track(%L::json)', replace(:'batch', '7901', '7902')));
COMMIT;
-- Bad payloads are refused with PT400 naming the path
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT payload, status, body
FROM unnest(ARRAY['[]', '{"enrichData":true,"accountId":"7900","projectId":"7901","visitors":{}}',
                  '{"accountId":"7900","projectId":"7901","visitors":[{"visitorId":"rest-v5","events":[{"eventType":"click","data":{}}]}]}',
                  '{"accountId":"7999","projectId":"7901","visitors":[]}']) AS payload,
     pg_temp.request('POST', '/rpc/track', '{"convert-sdk-key": "rest-open"}',
                     format('convert_rest.track(%L::json)', payload));
COMMIT;

-- POST /rpc/track_project: the ids from the payload
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, response_headers, body
FROM pg_temp.request('POST', '/rpc/track_project', '{}',
                     format('convert_rest.track_project(%L::json)', replace(:'batch', 'rest-v1', 'rest-v6')));
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT payload, status, body
FROM unnest(ARRAY['"text"', '{"accountId":7900,"projectId":"7901","visitors":[]}',
                  '{"accountId":"7900","visitors":[]}',
                  '{"accountId":"7900","projectId":"79x1","visitors":[]}',
                  '{"accountId":"7900","projectId":"7903","visitors":[]}',
                  '{"accountId":"7900","projectId":"7902","visitors":[]}',
                  '{"accountId":"7900","projectId":"7901","visitors":[{"visitorId":"rest-v7","events":[{"eventType":"bucketing"}]}]}']) AS payload,
     pg_temp.request('POST', '/rpc/track_project', '{}', format('convert_rest.track_project(%L::json)', payload));
COMMIT;

-- What the track calls stored: only the accepted batches
SELECT visitor_id, event_type, experience_id, variation_id, goal_id
FROM convert.events WHERE project_id = 7901 ORDER BY visitor_id, event_type;

-- A GET of a track route could not write: READ ONLY refuses it
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body
FROM pg_temp.request('GET', '/rpc/track', '{"convert-sdk-key": "rest-open"}',
                     format('convert_rest.track(%L::json)', replace(:'batch', 'rest-v1', 'rest-v8')));
COMMIT;

-- The anonymous role reaches nothing but the wrappers
SELECT has_schema_privilege('convert_web_anon', 'convert', 'USAGE') AS convert_usage,
       has_schema_privilege('convert_web_anon', 'convert_rest', 'USAGE') AS convert_rest_usage,
       has_schema_privilege('convert_web_anon', 'convert_rest', 'CREATE') AS convert_rest_create,
       pg_has_role('convert_web_anon', 'convert_api', 'MEMBER') AS api_member;
SELECT count(*) AS readable_tables FROM pg_class c
WHERE c.relnamespace IN ('convert'::regnamespace, 'convert_rest'::regnamespace) AND c.relkind IN ('r', 'p', 'v', 'm')
  AND (has_table_privilege('convert_web_anon', c.oid, 'SELECT')
       OR has_table_privilege('convert_web_anon', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'));
SELECT p.oid::regprocedure AS executable
FROM pg_proc p WHERE p.pronamespace = 'convert_rest'::regnamespace
  AND has_function_privilege('convert_web_anon', p.oid, 'EXECUTE') ORDER BY p.proname;
SELECT count(*) AS public_executable_wrappers
FROM pg_proc p WHERE p.pronamespace = 'convert_rest'::regnamespace
  AND has_function_privilege('public', p.oid, 'EXECUTE');
-- Tried directly, every table and function of schema convert is refused
BEGIN READ ONLY;
SET LOCAL ROLE convert_web_anon;
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$(SELECT count(*) FROM convert.sdk_keys)$$);
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$(SELECT count(*) FROM convert.debug_tokens)$$);
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$(SELECT count(*) FROM convert.config_cache)$$);
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$convert.project_config(7900, 7901)$$);
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$convert_internal.rest_sdk_secret()$$);
COMMIT;
BEGIN;
SET LOCAL ROLE convert_web_anon;
SELECT status, body FROM pg_temp.request('POST', '/rpc/x', '{}', $$(SELECT convert.create_sdk_key(7901, NULL, 'rest-stolen'))$$);
SELECT status, body FROM pg_temp.request('POST', '/rpc/x', '{}', $$(SELECT convert.track('rest-open', '{}'))$$);
COMMIT;
-- Even with USAGE on schema convert, no table would be readable: the
-- grants, not only the schema, keep secrets away
BEGIN;
GRANT USAGE ON SCHEMA convert TO convert_web_anon;
SET LOCAL ROLE convert_web_anon;
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$(SELECT secret_hash FROM convert.sdk_keys LIMIT 1)$$);
SELECT status, body FROM pg_temp.request('GET', '/rpc/x', '{}', $$(SELECT token_hash FROM convert.debug_tokens LIMIT 1)$$);
ROLLBACK;

-- The authenticator: no login until the DBA gives one, no rights of its own
-- (NOINHERIT), may switch to the anonymous role
SELECT rolname, rolcanlogin, rolinherit, rolsuper, rolcreaterole, rolcreatedb
FROM pg_roles WHERE rolname IN ('convert_authenticator', 'convert_web_anon') ORDER BY rolname;
SELECT pg_has_role('convert_authenticator', 'convert_web_anon', 'MEMBER') AS may_switch,
       pg_has_role('convert_authenticator', 'convert_web_anon', 'USAGE') AS inherits,
       has_schema_privilege('convert_authenticator', 'convert_rest', 'USAGE') AS own_usage;

-- A second database of the cluster installs the extension over the roles
-- the first one created
\set main_db :DBNAME
CREATE DATABASE convert_rest_second;
\c convert_rest_second
SET client_min_messages TO warning;
CREATE EXTENSION convert;
RESET client_min_messages;
SELECT has_function_privilege('convert_web_anon', 'convert_rest.config(text,text,text,text,text)', 'EXECUTE')
           AS anon_executes,
       pg_has_role('convert_authenticator', 'convert_web_anon', 'MEMBER') AS may_switch;
\c :main_db
DROP DATABASE convert_rest_second;
