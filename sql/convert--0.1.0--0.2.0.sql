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

-- A visitor's segments are stored once per distinct object in
-- convert.segment_sets (keyed by the SHA-256 of their jsonb text) instead of
-- in every event and assignment row.  0.1.0's segments move there: each
-- event keeps the object it stored (already enriched) as segments_digest,
-- so convert.events_with_segments shows exactly what 0.1.0 stored.
CREATE TABLE convert.segment_sets (
    digest   bytea PRIMARY KEY
             CONSTRAINT segment_sets_digest_sha256 CHECK (pg_catalog.octet_length(digest) = 32),
    segments jsonb NOT NULL
);

COMMENT ON TABLE convert.segment_sets IS
'Visitor segments objects sent with tracking, once per distinct value, keyed by the SHA-256 of their jsonb text';

SELECT pg_catalog.pg_extension_config_dump('convert.segment_sets', '');

INSERT INTO convert.segment_sets (digest, segments)
SELECT pg_catalog.sha256(pg_catalog.convert_to(s.segments::text, 'UTF8')), s.segments
FROM (SELECT e.segments FROM convert.events AS e WHERE e.segments IS NOT NULL
      UNION
      SELECT vb.segments FROM convert.visitor_bucketing AS vb WHERE vb.segments IS NOT NULL) AS s;

ALTER TABLE convert.events ADD COLUMN segments_digest bytea, ADD COLUMN stored_segments_digest bytea;
UPDATE convert.events
SET segments_digest = pg_catalog.sha256(pg_catalog.convert_to(segments::text, 'UTF8'))
WHERE segments IS NOT NULL;
ALTER TABLE convert.events DROP COLUMN segments;

ALTER TABLE convert.visitor_bucketing ADD COLUMN segments_digest bytea;
UPDATE convert.visitor_bucketing
SET segments_digest = pg_catalog.sha256(pg_catalog.convert_to(segments::text, 'UTF8'))
WHERE segments IS NOT NULL;
ALTER TABLE convert.visitor_bucketing DROP COLUMN segments;

CREATE VIEW convert.events_with_segments AS
SELECT e.received_at, e.project_id, e.visitor_id, e.event_type, e.experience_id, e.variation_id,
       e.goal_id, e.amount, e.products_count, e.transaction_id, e.goal_data, e.bucketing,
       CASE WHEN e.stored_segments_digest IS NULL THEN sent.segments
            ELSE NULLIF(stored.segments OPERATOR(pg_catalog.||) COALESCE(sent.segments, '{}'::jsonb),
                        '{}'::jsonb)
       END AS segments,
       e.source
FROM convert.events AS e
LEFT JOIN convert.segment_sets AS sent ON sent.digest = e.segments_digest
LEFT JOIN convert.segment_sets AS stored ON stored.digest = e.stored_segments_digest;

CREATE VIEW convert.visitor_bucketing_with_segments AS
SELECT vb.project_id, vb.visitor_id, vb.experience_id, vb.variation_id, vb.bucketed_at, s.segments
FROM convert.visitor_bucketing AS vb
LEFT JOIN convert.segment_sets AS s ON s.digest = vb.segments_digest;

COMMENT ON VIEW convert.events_with_segments IS
'convert.events with each event''s segments object (enriched when enrichData was true)';
COMMENT ON VIEW convert.visitor_bucketing_with_segments IS
'convert.visitor_bucketing with the segments sent with each first assignment';

-- Limits on free-form input: source (stored with every event); segments
-- and goalData are checked by convert.track_parse (C).
CREATE FUNCTION convert.track_max_source_bytes()
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 256;
REVOKE ALL ON FUNCTION convert.track_max_source_bytes() FROM PUBLIC;
COMMENT ON FUNCTION convert.track_max_source_bytes() IS 'Longest source string of a track() payload, in bytes';

-- The analysts' role reads segments and the limit like the rest of tracking.
GRANT EXECUTE ON FUNCTION convert.track_max_source_bytes() TO convert_analyst;
GRANT SELECT ON convert.segment_sets, convert.events_with_segments,
                convert.visitor_bucketing_with_segments TO convert_analyst;

-- Messages quote at most 100 characters of what a client sent.
CREATE OR REPLACE FUNCTION convert.json_quote(value text)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_json(pg_catalog."left"(value, 100))::text
       OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.length(value) > 100 THEN '...' ELSE '' END;

-- Segments written by reference.
CREATE OR REPLACE FUNCTION convert.track_store_events(target_project bigint, visitors jsonb,
                                           enrich boolean, batch_source text,
                                           OUT stored integer, OUT total integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- one plan for every batch: planning this statement costs as much as
-- running it for an SDK-sized batch, and no argument changes the best plan
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    received timestamptz := now();
BEGIN
    WITH ev AS MATERIALIZED (
        -- kind: b bucketing, g plain conversion, t transaction, r other revenue
        SELECT r.*,
               CASE WHEN r.event_type = 'bucketing' THEN 'b'
                    WHEN r.goal_data IS NULL THEN 'g'
                    WHEN r.transaction_id IS NOT NULL THEN 't'
                    ELSE 'r' END AS kind
        FROM convert.track_parse(target_project, visitors,
                                 convert.track_max_visitors(), convert.track_max_events()) AS r
    ), sent AS MATERIALIZED (
        -- each visitor entry's segments (track_parse gives them on the
        -- entry's first row only), hashed once
        SELECT ev.vi, ev.segments, ev.segments = '{}' AS empty,
               sha256(convert_to(ev.segments::text, 'UTF8')) AS digest
        FROM ev
        WHERE ev.segments IS NOT NULL
    ), new_segments AS (
        -- stored once per distinct value, however many events refer to it
        INSERT INTO convert.segment_sets AS ss (digest, segments)
        SELECT DISTINCT ON (sent.digest) sent.digest, sent.segments
        FROM sent
        ON CONFLICT (digest) DO NOTHING
    ), entry AS (
        -- every event with its visitor entry's segments digest
        SELECT ev.*, sent.digest AS sent_digest, sent.empty AS sent_empty
        FROM ev
        LEFT JOIN sent USING (vi)
    ), stored_state AS (
        -- each visitor's stored assignments (before this batch) and latest
        -- segments, read per visitor by primary key (LATERAL): the visitors
        -- of a batch are few next to the table
        SELECT v.visitor_id, st.bucketing, st.segments_digest
        FROM (SELECT DISTINCT ev.visitor_id FROM ev) AS v,
             LATERAL (SELECT jsonb_object_agg(vb.experience_id::text, vb.variation_id::text) AS bucketing,
                             (array_agg(vb.segments_digest ORDER BY vb.bucketed_at DESC)
                                  FILTER (WHERE vb.segments_digest IS NOT NULL))[1] AS segments_digest
                      FROM convert.visitor_bucketing AS vb
                      WHERE vb.project_id = target_project AND vb.visitor_id = v.visitor_id) AS st
    ), new_assignment AS (
        INSERT INTO convert.visitor_bucketing AS vb
            (project_id, visitor_id, experience_id, variation_id, bucketed_at, segments_digest)
        -- the first decision per experience wins: ev is in payload order, and
        -- a later row of this statement conflicts with the earlier one
        SELECT target_project, ev.visitor_id, ev.experience_id, ev.variation_id, received, ev.sent_digest
        FROM entry AS ev
        WHERE ev.kind = 'b' AND NOT ev.repeated
        ON CONFLICT (project_id, visitor_id, experience_id) DO NOTHING
    ), new_goal AS (
        INSERT INTO convert.visitor_goals AS vg (project_id, visitor_id, goal_id, converted_at)
        SELECT target_project, ev.visitor_id, ev.goal_id, received
        FROM ev
        WHERE ev.kind = 'g' AND NOT ev.repeated
        ON CONFLICT (project_id, visitor_id, goal_id) DO NOTHING
        RETURNING vg.visitor_id, vg.goal_id
    ), new_transaction AS (
        INSERT INTO convert.goal_transactions AS gt
            (project_id, goal_id, transaction_id, visitor_id, received_at)
        SELECT target_project, ev.goal_id, ev.transaction_id, ev.visitor_id, received
        FROM ev
        WHERE ev.kind = 't' AND NOT ev.repeated
        ON CONFLICT (project_id, goal_id, transaction_id) DO NOTHING
        RETURNING gt.goal_id, gt.transaction_id
    ), stored_event AS (
        INSERT INTO convert.events
            (received_at, project_id, visitor_id, event_type, experience_id, variation_id, goal_id,
             amount, products_count, transaction_id, goal_data, bucketing, source,
             segments_digest, stored_segments_digest)
        SELECT received, target_project, ev.visitor_id, ev.event_type, ev.experience_id, ev.variation_id,
               ev.goal_id, ev.amount, ev.products_count, ev.transaction_id, ev.goal_data,
               CASE WHEN ev.event_type <> 'conversion' THEN NULL
                    WHEN enrich THEN nullif(coalesce(s.bucketing, '{}') || coalesce(ev.batch_bucketing, '{}')
                                            || coalesce(ev.bucketing_data, '{}'), '{}')
                    ELSE ev.bucketing_data END,
               batch_source,
               -- the view convert.events_with_segments overlays the two
               -- (its result is what 0.1.0 stored); an empty object sent
               -- with nothing stored under it enriches to NULL
               CASE WHEN enrich AND s.segments_digest IS NULL AND ev.sent_empty THEN NULL
                    ELSE ev.sent_digest END,
               CASE WHEN enrich THEN s.segments_digest END
        FROM entry AS ev
        LEFT JOIN stored_state AS s ON s.visitor_id = ev.visitor_id
        WHERE NOT ev.repeated
          AND CASE ev.kind
              WHEN 'b' THEN s.bucketing ->> ev.experience_id::text IS DISTINCT FROM ev.variation_id::text
              WHEN 'g' THEN (ev.visitor_id, ev.goal_id) IN (SELECT visitor_id, goal_id FROM new_goal)
              WHEN 't' THEN (ev.goal_id, ev.transaction_id) IN (SELECT goal_id, transaction_id FROM new_transaction)
              ELSE true
              END
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM stored_event), (SELECT count(*) FROM ev) INTO stored, total;
END
$$;

-- The source limit.
CREATE OR REPLACE FUNCTION convert.track_check_envelope(account_id bigint, project_id bigint, payload jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    problem text;
BEGIN
    IF payload IS NULL OR jsonb_typeof(payload) <> 'object' THEN
        PERFORM convert.track_reject('payload: ' || convert.json_type_problem(payload, 'object'));
    END IF;
    IF payload ? 'enrichData' THEN
        problem := convert.json_type_problem(payload -> 'enrichData', 'boolean');
        IF problem IS NOT NULL THEN PERFORM convert.track_reject('enrichData: ' || problem); END IF;
    END IF;
    problem := convert.json_type_problem(payload -> 'accountId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('accountId: ' || problem); END IF;
    IF payload ->> 'accountId' <> account_id::text THEN
        PERFORM convert.track_reject(format('accountId: %s is not the account %s of this project',
                                            convert.json_quote(payload ->> 'accountId'), account_id));
    END IF;
    problem := convert.json_type_problem(payload -> 'projectId', 'string');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('projectId: ' || problem); END IF;
    IF payload ->> 'projectId' <> project_id::text THEN
        PERFORM convert.track_reject(format('projectId: %s is not the project %s',
                                            convert.json_quote(payload ->> 'projectId'), project_id));
    END IF;
    problem := convert.json_type_problem(payload -> 'visitors', 'array');
    IF problem IS NOT NULL THEN PERFORM convert.track_reject('visitors: ' || problem); END IF;
    IF payload ? 'source' THEN
        problem := convert.json_type_problem(payload -> 'source', 'string');
        IF problem IS NOT NULL THEN PERFORM convert.track_reject('source: ' || problem); END IF;
        -- stored with every event of the batch
        IF octet_length(payload ->> 'source') > convert.track_max_source_bytes() THEN
            PERFORM convert.track_reject(format('source: %s bytes exceed the limit of %s bytes',
                                                octet_length(payload ->> 'source'),
                                                convert.track_max_source_bytes()),
                                         'PT413', 'The SDK sends its name and version, e.g. "js4.4.3".');
        END IF;
    END IF;
END
$$;


-- ---------------------------------------------------------------------------
-- Config serving: invalidation of keys and debug tokens
-- ---------------------------------------------------------------------------

-- 33_config_cache.sql: sdk_keys and debug_tokens notify convert_config.
-- SDK keys and debug tokens decide who is served, not what is rendered, so
-- they mark nothing dirty; but a front end that caches answers must hear of
-- them.  On convert_config: 'sdk_key:<key>' for each key inserted, changed
-- or deleted (its old and new name), 'sdk_keys' when the table is
-- truncated, and 'debug_tokens' for any change to debug tokens.
CREATE FUNCTION convert.config_notify_sdk_key()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_catalog.pg_notify('convert_config', 'sdk_keys');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_catalog.pg_notify('convert_config', 'sdk_key:' || OLD.sdk_key);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_catalog.pg_notify('convert_config', 'sdk_key:' || NEW.sdk_key);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION convert.config_notify_sdk_key() FROM PUBLIC;

CREATE FUNCTION convert.config_notify_debug_tokens()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('convert_config', 'debug_tokens');
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION convert.config_notify_debug_tokens() FROM PUBLIC;

CREATE TRIGGER config_notify_sdk_key AFTER INSERT OR UPDATE OR DELETE ON convert.sdk_keys
    FOR EACH ROW EXECUTE FUNCTION convert.config_notify_sdk_key();
CREATE TRIGGER config_notify_sdk_keys_truncate AFTER TRUNCATE ON convert.sdk_keys
    FOR EACH STATEMENT EXECUTE FUNCTION convert.config_notify_sdk_key();
CREATE TRIGGER config_notify_debug_tokens AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON convert.debug_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION convert.config_notify_debug_tokens();

-- 34_config_access.sql and 39_config_grants.sql: for convert-proxy's cache keys.
-- The environments whose configs differ for what project_config_by_sdk_key
-- serves under sdk_key: those its project knows.  Any other environment is
-- served exactly like every unknown one, so a front end caching configs can
-- keep them all under one entry (convert-proxy does).  NULL when sdk_key is
-- neither an SDK key nor an existing account/project pair.
CREATE FUNCTION convert.config_environments(sdk_key text)
RETURNS text[]
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
    WITH project AS (
        SELECT k.project_id FROM convert.sdk_keys k
        WHERE k.sdk_key = config_environments.sdk_key
        UNION ALL
        SELECT p.id FROM convert.projects p
        WHERE config_environments.sdk_key OPERATOR(pg_catalog.~) '^[0-9]{1,18}/[0-9]{1,18}$'
          AND NOT EXISTS (SELECT FROM convert.sdk_keys k WHERE k.sdk_key = config_environments.sdk_key)
          -- (CASE: the casts must not run on a key that is not two ids)
          AND p.account_id = CASE WHEN config_environments.sdk_key OPERATOR(pg_catalog.~) '^[0-9]{1,18}/[0-9]{1,18}$'
                                  THEN pg_catalog.split_part(config_environments.sdk_key, '/', 1)::bigint END
          AND p.id = CASE WHEN config_environments.sdk_key OPERATOR(pg_catalog.~) '^[0-9]{1,18}/[0-9]{1,18}$'
                          THEN pg_catalog.split_part(config_environments.sdk_key, '/', 2)::bigint END
    )
    SELECT ARRAY(SELECT e FROM convert.config_cache_environments(project.project_id) AS e
                 WHERE e NOT IN ('', '*') ORDER BY e)
    FROM project
$$;
REVOKE ALL ON FUNCTION convert.config_environments(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convert.config_environments(text) TO convert_api;


-- ---------------------------------------------------------------------------
-- Decisions
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- Analysis
-- ---------------------------------------------------------------------------

