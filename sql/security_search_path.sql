-- An API role must not run code with the extension owner's rights through
-- its temporary schema.  When a function's search_path does not name
-- pg_temp, PostgreSQL searches the caller's temporary schema FIRST for types
-- and tables; a domain pg_temp.text whose CHECK calls the caller's function
-- would then run that function inside every SECURITY DEFINER function, as
-- the owner (a superuser).  Every function pins
-- search_path = pg_catalog, convert, pg_temp, so pg_temp comes last and the
-- shadowing domains below are never used.
--
-- Two attackers: a login role that is a member of convert_api (what
-- convert-proxy logs in as), and PostgREST's convert_authenticator switching
-- to convert_web_anon.  Each shadows common types in pg_temp with domains
-- whose check records who ran it and tries to make the attacker a superuser,
-- then calls every API function it may call.  Afterwards no check may have
-- run as anyone but the attacker, and no attacker is a superuser.
SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT convert.import_project('{"account_id": "8800", "project": {"id": "8801"},
  "experiences": [{"id": "881", "key": "shadowed", "status": "active",
                   "variations": [{"id": "8810"}, {"id": "8811"}]}],
  "goals": [{"id": "8812", "key": "buy"}]}');
SELECT convert.create_sdk_key(8801, 'the-secret', 'shadow-key') IS NOT NULL AS key_created;
SELECT convert.generate_debug_token(8801) AS debug_token \gset

SELECT current_user AS admin \gset
CREATE ROLE shadow_api LOGIN;
GRANT convert_api TO shadow_api;
CREATE ROLE shadow_rest LOGIN;
GRANT convert_authenticator TO shadow_rest;

-- The attack, run by each attacker in its own session: a table that
-- records every call of the check, the check, and domains over the types
-- the API functions use.
CREATE FUNCTION regress.prepare_temp_type_attack() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t text[];
BEGIN
    CREATE TEMP TABLE calls (ran_as text, session_role text);
    CREATE FUNCTION pg_temp.evil(anyelement) RETURNS boolean LANGUAGE plpgsql AS $f$
    BEGIN
        INSERT INTO pg_temp.calls VALUES (current_user, session_user);
        BEGIN
            EXECUTE format('ALTER ROLE %I SUPERUSER', session_user);
        EXCEPTION WHEN insufficient_privilege THEN NULL;
        END;
        RETURN true;
    END
    $f$;
    -- (name, base type): the names a query can spell a type with, where
    -- SQL's keywords (bigint, integer, boolean) are not subject to search_path
    FOREACH t SLICE 1 IN ARRAY ARRAY[['text', 'text'], ['json', 'json'], ['jsonb', 'jsonb'],
                                     ['bigint', 'int8'], ['int8', 'int8'], ['int4', 'int4'],
                                     ['timestamptz', 'timestamptz'], ['bool', 'bool'],
                                     ['bytea', 'bytea'], ['date', 'date'], ['float8', 'float8'],
                                     ['interval', 'interval'], ['varchar', 'varchar']]
    LOOP
        EXECUTE format('CREATE DOMAIN pg_temp.%I AS pg_catalog.%I CHECK (pg_temp.evil(VALUE))',
                       t[1], t[2]);
    END LOOP;
END
$$;

-- The batch the attacker tracks.
\set batch '{"accountId": "8800", "projectId": "8801", "enrichData": true, "visitors": [{"visitorId": "v1", "segments": {"country": "NL"}, "events": [{"eventType": "bucketing", "data": {"experienceId": "881", "variationId": "8811"}}, {"eventType": "conversion", "data": {"goalId": "8812", "goalData": [{"key": "amount", "value": 3.5}, {"key": "transactionId", "value": "t1"}]}}]}]}'

-- Attacker 1: a member of convert_api, in a session of its own.
\c - shadow_api
SELECT regress.prepare_temp_type_attack();
-- The domains are in effect in the attacker's own queries.
SELECT 'probe'::text AS probe;
SELECT count(*) > 0 AS domains_in_effect FROM pg_temp.calls;
SELECT length(convert.project_config_by_sdk_key('shadow-key', NULL, 'Bearer the-secret')::pg_catalog.text) > 0 AS served_by_key;
SELECT length(convert.project_config(8800, 8801)::pg_catalog.text) > 0 AS served_by_ids;
SELECT length(convert.project_config(8800, 8801, NULL, :'debug_token')::pg_catalog.text) > 0 AS served_with_token;
SELECT length(convert.project_config_basic(8800, 8801)::pg_catalog.text) > 0 AS served_basic;
SELECT convert.config_environments('shadow-key') AS environments_of_key;
SELECT convert.track('shadow-key'::pg_catalog.text, :'batch'::pg_catalog.json, 'Bearer the-secret'::pg_catalog.text) ->> 'stored' AS stored_by_key;
SELECT convert.track(8800::pg_catalog.int8, 8801::pg_catalog.int8, :'batch'::pg_catalog.json) ->> 'stored' AS stored_by_ids;
-- Checks that ran as anyone but the attacker (must be none).
SELECT ran_as, count(*) FROM pg_temp.calls WHERE ran_as <> 'shadow_api' GROUP BY ran_as;
DISCARD TEMP;

-- Attacker 2: PostgREST's authenticator, as the anonymous role.
\c - shadow_rest
SET ROLE convert_web_anon;
SELECT regress.prepare_temp_type_attack();
SELECT 'probe'::text AS probe;
SELECT count(*) > 0 AS domains_in_effect FROM pg_temp.calls;
SELECT pg_catalog.set_config('request.headers', '{"convert-sdk-key": "shadow-key", "convert-sdk-secret": "the-secret"}', false) IS NOT NULL AS headers_set;
SELECT length(convert_rest.config('shadow-key')::pg_catalog.text) > 0 AS rest_config;
SELECT length(convert_rest.config('shadow-key', NULL, :'debug_token')::pg_catalog.text) > 0 AS rest_config_token;
SELECT length(convert_rest.project_config(8800, 8801)::pg_catalog.text) > 0 AS rest_project_config;
SELECT length(convert_rest.project_config_basic(8800, 8801)::pg_catalog.text) > 0 AS rest_basic;
SELECT convert_rest.track(:'batch'::pg_catalog.json) ->> 'stored' AS rest_stored;
SELECT convert_rest.track_project(:'batch'::pg_catalog.json) ->> 'stored' AS rest_stored_project;
SELECT ran_as, count(*) FROM pg_temp.calls WHERE ran_as <> 'convert_web_anon' GROUP BY ran_as;
DISCARD TEMP;

\c - :admin

SELECT rolname, rolsuper FROM pg_catalog.pg_roles
WHERE rolname IN ('shadow_api', 'shadow_rest', 'convert_api', 'convert_web_anon', 'convert_authenticator')
ORDER BY rolname;

DROP ROLE shadow_api;
DROP ROLE shadow_rest;
