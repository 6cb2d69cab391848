-- convert 0.1.0 -> 0.2.0
--
-- Brings a database that installed 0.1.0 to exactly the state of a fresh
-- 0.2.0 install (sql/install/); test/upgrade/upgrade_test.sh compares the two
-- object by object.  One section per area; each change to sql/install/ has its
-- counterpart here, in the section of its area.

\echo Use "ALTER EXTENSION convert UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Security: search_path, privileges, internal helpers
-- ---------------------------------------------------------------------------

-- Every function that pins its search_path ends it with pg_temp: without it
-- PostgreSQL searches the caller's temporary schema first for types and
-- tables, and a caller's domain could run its code as the owner.  In 0.1.0
-- each such function had exactly "pg_catalog, convert"; ALTER changes that
-- one setting in place and keeps the others (jit, lock_timeout, ...).
DO $$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                   AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'convert'
        WHERE 'search_path=pg_catalog, convert' = ANY (p.proconfig)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, convert, pg_temp', f);
    END LOOP;
END
$$;

-- SECURITY DEFINER functions name the types they use with their schema
-- (pg_catalog.text, ...), so nothing in their bodies depends on search_path.
-- The functions whose bodies changed for it, as in sql/install/:

-- Render a project's cache entries again (also usable by hand, e.g. after
-- loading tables with triggers disabled).  Returns whether anything changed.
CREATE OR REPLACE FUNCTION convert.refresh_config_cache(project_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    pid constant bigint := refresh_config_cache.project_id;
    changed int := 0;
    n int;
BEGIN
    -- Serialise refreshes of one project: in READ COMMITTED the renderings
    -- below then see every earlier writer's committed changes.
    PERFORM FROM convert.projects p WHERE p.id = pid FOR NO KEY UPDATE;
    DELETE FROM convert.config_dirty d WHERE d.project_id = pid;
    DELETE FROM convert.config_cache c
    WHERE c.project_id = pid
      AND c.environment NOT IN (SELECT convert.config_cache_environments(pid));
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    INSERT INTO convert.config_cache AS c (project_id, environment, debug, config, etag)
    SELECT pid, r.environment, r.debug, r.doc::pg_catalog.json, md5(r.doc)
    FROM (SELECT env.name AS environment, dbg.debug,
                 convert.render_config(pid, CASE env.name WHEN '' THEN NULL ELSE env.name END,
                                       dbg.debug)::pg_catalog.text AS doc
          FROM convert.config_cache_environments(pid) AS env(name),
               (VALUES (false), (true)) AS dbg(debug)) AS r
    WHERE r.doc IS NOT NULL
    ON CONFLICT ON CONSTRAINT config_cache_pkey DO UPDATE
        SET config = EXCLUDED.config, etag = EXCLUDED.etag, rendered_at = now()
        WHERE c.etag <> EXCLUDED.etag;
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    IF changed > 0 OR NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = pid) THEN
        PERFORM pg_notify('convert_config', pid::pg_catalog.text);
        RETURN true;
    END IF;
    RETURN false;
END
$$;

-- The project an SDK key serves, after its checks: PT404 unknown key, PT401
-- missing/wrong/unexpected secret, PT403 key bound to another environment.
-- served_environment is the one to serve (the key's own when none was asked for).
-- Tracking passes require_secret => false for browsers' beacons, which
-- cannot send headers: a secret that is sent is still checked.
CREATE OR REPLACE FUNCTION convert.resolve_sdk_key(sdk_key text, authorization text DEFAULT NULL,
                                        environment text DEFAULT NULL,
                                        require_secret boolean DEFAULT true,
                                        OUT project_id bigint, OUT account_id bigint,
                                        OUT served_environment text)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    k convert.sdk_keys;
    given pg_catalog.text := convert.authorization_secret(resolve_sdk_key.authorization);
    requested pg_catalog.text := nullif(resolve_sdk_key.environment, '');
BEGIN
    SELECT * INTO k FROM convert.sdk_keys sk WHERE sk.sdk_key = resolve_sdk_key.sdk_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown sdk key' USING ERRCODE = 'PT404',
            DETAIL = format('No project is served under the sdk key "%s".', left(resolve_sdk_key.sdk_key, 200));
    END IF;
    IF k.secret_hash IS NULL AND given IS NOT NULL THEN
        RAISE EXCEPTION 'sdk key does not take a secret' USING ERRCODE = 'PT401',
            DETAIL = 'An Authorization header was sent for an sdk key that has no secret.',
            HINT = 'Send no Authorization header with this key.';
    ELSIF k.secret_hash IS NOT NULL AND given IS NULL AND require_secret THEN
        RAISE EXCEPTION 'missing sdk key secret' USING ERRCODE = 'PT401',
            DETAIL = 'This sdk key requires its secret.',
            HINT = 'Send the header "Authorization: Bearer <secret>".';
    ELSIF k.secret_hash IS NOT NULL AND given IS NOT NULL
          AND NOT convert.secret_equal(convert.secret_hash(k.secret_salt, given), k.secret_hash) THEN
        RAISE EXCEPTION 'wrong sdk key secret' USING ERRCODE = 'PT401',
            DETAIL = 'The secret sent in the Authorization header does not match the sdk key.';
    END IF;
    IF requested <> k.environment THEN
        RAISE EXCEPTION 'sdk key is not valid for environment "%"', requested USING ERRCODE = 'PT403',
            DETAIL = format('The sdk key is bound to environment "%s".', k.environment),
            HINT = 'Ask for the key''s environment, or use a key of the requested one.';
    END IF;
    SELECT k.project_id, p.account_id, coalesce(requested, k.environment)
    INTO resolve_sdk_key.project_id, resolve_sdk_key.account_id, resolve_sdk_key.served_environment
    FROM convert.projects p WHERE p.id = k.project_id;
END
$$;

-- Whether a request is in debug mode: no token → false; a valid token of the
-- project → true; anything else is refused with PT401.  Without a token
-- argument, PostgREST's request headers may carry convert-debug-token.
CREATE OR REPLACE FUNCTION convert.debug_mode(project_id bigint, debug_token text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    t convert.debug_tokens;
    token pg_catalog.text := coalesce(nullif(btrim(debug_mode.debug_token), ''),
                           nullif(btrim(nullif(current_setting('request.headers', true), '')::pg_catalog.json
                                        ->> 'convert-debug-token'), ''));
BEGIN
    IF token IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO t FROM convert.debug_tokens dt
    WHERE dt.token_hash = sha256(convert_to(token, 'UTF8'));
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown debug token' USING ERRCODE = 'PT401',
            HINT = 'Generate one with convert.generate_debug_token().';
    ELSIF t.project_id <> debug_mode.project_id THEN
        RAISE EXCEPTION 'debug token is not valid for project %', project_id USING ERRCODE = 'PT401',
            DETAIL = 'The debug token was generated for another project.';
    ELSIF t.expires_at <= now() THEN
        RAISE EXCEPTION 'debug token has expired' USING ERRCODE = 'PT401',
            DETAIL = format('The debug token expired at %s.', t.expires_at),
            HINT = 'Renew it with convert.renew_debug_token() or generate a new one.';
    END IF;
    RETURN true;
END
$$;

-- The Serving API's minimal project settings (ConfigMinimalResponseData).
CREATE OR REPLACE FUNCTION convert.project_config_basic(account_id bigint, project_id bigint)
RETURNS json
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT (pg_catalog.jsonb_build_object('account_id', p.account_id::pg_catalog.text, 'project_id', p.id::pg_catalog.text)
            || convert.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                   'include_jquery', p.settings -> 'include_jquery',
                   'include_jquery_v1', p.settings -> 'include_jquery_v1',
                   'disable_spa_functionality', p.settings -> 'disable_spa_functionality',
                   'version', p.settings -> 'version'))
            || CASE WHEN p.tracking_script IS NULL THEN '{}'::pg_catalog.jsonb
                    ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script) END)::pg_catalog.json
    FROM convert.projects p
    WHERE p.id = (SELECT convert.resolve_project(project_config_basic.account_id,
                                                 project_config_basic.project_id))
$$;

-- Create the missing daily partitions for the UTC days first_day..last_day;
-- returns how many were created.  track() calls this on every batch, so the
-- common case is one catalog lookup.
CREATE OR REPLACE FUNCTION convert.ensure_event_partition_days(first_day date, last_day date)
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    day     pg_catalog.date := first_day;
    created integer := 0;
BEGIN
    IF last_day - first_day > 3660 THEN
        RAISE EXCEPTION 'partition range too long: % days', last_day - first_day + 1
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Create at most ten years of partitions per call.';
    END IF;
    WHILE day <= last_day LOOP
        IF to_regclass('convert.' || convert.event_partition_name(day)) IS NULL THEN
            -- Serialise creators; the loser of a race sees the winner's table.
            PERFORM pg_advisory_xact_lock(hashtext('convert.ensure_event_partition_days'));
            IF to_regclass('convert.' || convert.event_partition_name(day)) IS NULL THEN
                -- The catalog snapshot may predate the winner's commit, so
                -- the check above can miss its table: the creation decides.
                BEGIN
                    PERFORM convert.create_event_partition(day);
                    created := created + 1;
                EXCEPTION WHEN duplicate_table THEN
                    NULL;
                END;
            END IF;
        END IF;
        day := day + 1;
    END LOOP;
    RETURN created;
END
$$;

-- The maintenance entry point (cron): partitions for the days between the
-- two times, and forgetting batch digests older than the retry window.
CREATE OR REPLACE FUNCTION convert.ensure_event_partitions(from_time timestamptz DEFAULT pg_catalog.now(),
                                                to_time timestamptz DEFAULT pg_catalog.now() + interval '7 days')
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    DELETE FROM convert.track_batches
    WHERE received_at < now() - convert.track_retry_window();
    RETURN convert.ensure_event_partition_days((from_time AT TIME ZONE 'UTC')::pg_catalog.date,
                                               (to_time AT TIME ZONE 'UTC')::pg_catalog.date);
END
$$;

-- GET /rpc/config?sdk_key=...  (also the "<account_id>/<project_id>" key form)
CREATE OR REPLACE FUNCTION convert_rest.config(sdk_key text, environment text DEFAULT NULL,
                                    debug_token text DEFAULT NULL,
                                    _conv_low_cache text DEFAULT NULL, exp text DEFAULT NULL)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    secret constant pg_catalog.text := convert.rest_sdk_secret();
    token constant pg_catalog.text := coalesce(convert.rest_header('convert-debug-token'),
                                    nullif(btrim(config.debug_token), ''));
BEGIN
    RETURN convert.rest_config_answer(
        convert.project_config_by_sdk_key(config.sdk_key, config.environment, secret, token),
        convert.rest_config_cache_control(secret IS NOT NULL, token IS NOT NULL, config._conv_low_cache));
END
$$;

-- GET /rpc/project_config?account_id=...&project_id=...
CREATE OR REPLACE FUNCTION convert_rest.project_config(account_id bigint, project_id bigint,
                                            environment text DEFAULT NULL,
                                            debug_token text DEFAULT NULL,
                                            _conv_low_cache text DEFAULT NULL, exp text DEFAULT NULL)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    token constant pg_catalog.text := coalesce(convert.rest_header('convert-debug-token'),
                                    nullif(btrim(project_config.debug_token), ''));
BEGIN
    RETURN convert.rest_config_answer(
        convert.project_config(project_config.account_id, project_config.project_id,
                               project_config.environment, token),
        convert.rest_config_cache_control(false, token IS NOT NULL, project_config._conv_low_cache));
END
$$;

-- POST /rpc/track, header convert-sdk-key (also "<account_id>/<project_id>").
-- The secret is optional, as for browsers' beacons; a wrong one is refused.
CREATE OR REPLACE FUNCTION convert_rest.track(json)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    sdk_key constant pg_catalog.text := convert.rest_header('convert-sdk-key');
BEGIN
    IF sdk_key IS NULL THEN
        RAISE EXCEPTION 'missing sdk key' USING ERRCODE = 'PT400',
            DETAIL = 'POST /rpc/track takes the sdk key from the convert-sdk-key header, which was not sent.',
            HINT = 'Send the header "convert-sdk-key: <sdk key>", or post to /rpc/track_project.';
    END IF;
    RETURN convert.rest_track_answer(convert.track(sdk_key, $1, convert.rest_sdk_secret()));
END
$$;

-- POST /rpc/track_project: the payload's accountId and projectId name the
-- project; refused (PT403) for projects with disable_default_config.
CREATE OR REPLACE FUNCTION convert_rest.track_project(json)
RETURNS convert_rest."application/json"
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    ids pg_catalog.text[];
BEGIN
    IF json_typeof($1) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'payload: expected an object' USING ERRCODE = 'PT400',
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    ids := ARRAY[$1 ->> 'accountId', $1 ->> 'projectId'];
    IF json_typeof($1 -> 'accountId') IS DISTINCT FROM 'string' OR ids[1] !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'accountId: expected the account id as a string of digits' USING ERRCODE = 'PT400',
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    IF json_typeof($1 -> 'projectId') IS DISTINCT FROM 'string' OR ids[2] !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'projectId: expected the project id as a string of digits' USING ERRCODE = 'PT400',
            DETAIL = 'The tracking batch was rejected; none of its events were stored.';
    END IF;
    RETURN convert.rest_track_answer(convert.track(ids[1]::bigint, ids[2]::bigint, $1));
END
$$;


-- Privileges in one place (sql/install/98_privileges.sql): no function is
-- executable by PUBLIC, and the analysts' role.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA convert, convert_rest FROM PUBLIC;

-- convert_analyst: reads the project model and what was tracked, and may
-- call the computations (bucketing, rules, decisions, statistics, results);
-- never the secrets' and tokens' tables, the config cache, or any function
-- that writes.  GRANT convert_analyst TO a login role.  Cluster-wide, so a
-- second database may find it already there.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'convert_analyst') THEN
        CREATE ROLE convert_analyst NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA convert TO convert_analyst;

GRANT EXECUTE ON FUNCTION
    -- the types' I/O: casts and literals of convert.rules and convert.config
    convert.rules_in(cstring), convert.rules_out(convert.rules),
    convert.rules_recv(internal), convert.rules_send(convert.rules),
    convert.config_in(cstring), convert.config_out(convert.config),
    convert.config_recv(internal), convert.config_send(convert.config),
    convert.murmurhash3(text, bigint),
    convert.bucket_value(text, text, bigint, integer),
    convert.select_variation(jsonb, text, text, integer),
    convert.rules_match(convert.rules, jsonb),
    convert.run_experience(convert.config, text, text, jsonb, jsonb, text, jsonb),
    convert.run_experiences(convert.config, text, jsonb, jsonb, text, jsonb),
    convert.run_feature(convert.config, text, text, jsonb, jsonb, text, jsonb),
    convert.run_features(convert.config, text, jsonb, jsonb, text, jsonb),
    convert.track_max_events(), convert.track_max_visitors(),
    convert.track_max_payload_bytes(), convert.track_retry_window(),
    convert.normal_cdf(double precision),
    convert.student_t_cdf(double precision, double precision),
    convert.chi_square_sf(double precision, double precision),
    convert.two_proportion_test(bigint, bigint, bigint, bigint, double precision),
    convert.welch_test(bigint, double precision, double precision, bigint, double precision,
                       double precision, double precision),
    convert.sample_ratio_test(double precision[], double precision[]),
    convert.experience_results(bigint, text, timestamptz, timestamptz, double precision),
    convert.srm_check(bigint, text, double precision),
    -- what experience_results and srm_check call, as their caller
    convert.analysis_experience(bigint, text),
    convert.analysis_arms(bigint, bigint),
    convert.outlier_bounds(jsonb, numeric, numeric),
    convert.analysis_tally(bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean,
                           numeric, numeric, boolean)
TO convert_analyst;

GRANT SELECT ON
    convert.accounts, convert.projects, convert.project_environments,
    convert.goals, convert.locations, convert.audiences, convert.segments,
    convert.features, convert.feature_variables,
    convert.experiences, convert.experience_locations, convert.experience_audiences,
    convert.experience_goals, convert.variations, convert.variation_changes,
    convert.archived_experiences,
    convert.events, convert.visitor_bucketing, convert.visitor_goals, convert.goal_transactions,
    convert.experience_results_overview, convert.srm_overview
TO convert_analyst;


-- ---------------------------------------------------------------------------
-- Tracking: per-visitor segments, request limits
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Config serving: invalidation of keys and debug tokens
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Decisions
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Analysis
-- ---------------------------------------------------------------------------

