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
    -- all of a deleted project's: on Citus no foreign key cascades to the cache
    DELETE FROM convert.config_cache c
    WHERE c.project_id = pid
      AND (c.environment NOT IN (SELECT convert_internal.config_cache_environments(pid))
           OR NOT EXISTS (SELECT FROM convert.projects p WHERE p.id = pid));
    GET DIAGNOSTICS n = ROW_COUNT;
    changed := changed + n;
    INSERT INTO convert.config_cache AS c (project_id, environment, debug, config, etag)
    SELECT pid, r.environment, r.debug, r.doc::pg_catalog.json, md5(r.doc)
    FROM (SELECT env.name AS environment, dbg.debug,
                 convert_internal.render_config(pid, CASE env.name WHEN '' THEN NULL ELSE env.name END,
                                       dbg.debug)::pg_catalog.text AS doc
          FROM convert_internal.config_cache_environments(pid) AS env(name),
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
            DETAIL = format('No project is served under the sdk key %s.',
                            convert.json_quote(resolve_sdk_key.sdk_key));
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
        RAISE EXCEPTION 'sdk key is not valid for environment %', convert.json_quote(requested)
            USING ERRCODE = 'PT403',
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
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT (pg_catalog.jsonb_build_object('account_id', p.account_id::pg_catalog.text, 'project_id', p.id::pg_catalog.text)
                || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                       'include_jquery', p.settings -> 'include_jquery',
                       'include_jquery_v1', p.settings -> 'include_jquery_v1',
                       'disable_spa_functionality', p.settings -> 'disable_spa_functionality',
                       'version', p.settings -> 'version'))
                || CASE WHEN p.tracking_script IS NULL THEN '{}'::pg_catalog.jsonb
                        ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script) END)::pg_catalog.json
        FROM convert.projects p
        WHERE p.id = (SELECT convert_internal.resolve_project(project_config_basic.account_id,
                                                     project_config_basic.project_id)));
END
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

-- The digest of a segments object, stored in convert.segment_sets when it
-- is new: for filling segments_digest by hand (backfills, test data).
CREATE FUNCTION convert.segment_set_digest(segments jsonb)
RETURNS bytea
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, convert, pg_temp
AS $$
    INSERT INTO convert.segment_sets (digest, segments)
    VALUES (pg_catalog.sha256(pg_catalog.convert_to(segment_set_digest.segments::text, 'UTF8')),
            segment_set_digest.segments)
    ON CONFLICT (digest) DO NOTHING;
    SELECT pg_catalog.sha256(pg_catalog.convert_to(segment_set_digest.segments::text, 'UTF8'));
$$;
REVOKE ALL ON FUNCTION convert.segment_set_digest(jsonb) FROM PUBLIC;

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
    -- distributed tables need statements Citus can route (docs/citus.md)
    IF convert_internal.citus_tracking() THEN
        SELECT * INTO stored, total
        FROM convert_internal.track_store_events_citus(target_project, visitors, enrich, batch_source);
        RETURN;
    END IF;
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
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
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
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
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
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
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
        SELECT ARRAY(SELECT e FROM convert_internal.config_cache_environments(project.project_id) AS e
                     WHERE e NOT IN ('', '*') ORDER BY e)
        FROM project);
END
$$;
REVOKE ALL ON FUNCTION convert.config_environments(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convert.config_environments(text) TO convert_api;

-- ---------------------------------------------------------------------------
-- Decisions
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Analysis
-- ---------------------------------------------------------------------------

-- New in 0.2.0 (sql/install/60_analysis_stats.sql): the building blocks of
-- the optional read-outs.

-- Always-valid test of arm b's mean against the original a's (asymptotic
-- confidence sequence, Waudby-Smith et al. 2023), from each arm's size,
-- mean and per-visitor variance: the interval and p-value stay valid when
-- the results are looked at again and again.  tuning: the sample size at
-- which the sequence is tightest.
CREATE FUNCTION convert.sequential_test(
    n_a bigint, mean_a float8, variance_a float8,
    n_b bigint, mean_b float8, variance_b float8,
    confidence float8 DEFAULT 0.95, tuning float8 DEFAULT 5000,
    OUT z float8, OUT p_value float8, OUT difference float8,
    OUT ci_low float8, OUT ci_high float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8,
    OUT chance_to_beat float8)
AS 'MODULE_PATHNAME', 'convert_sequential_test'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.sequential_test(bigint, float8, float8, bigint, float8, float8,
                                               float8, float8) FROM PUBLIC;

-- Gaussian posterior on the relative lift mean_b / mean_a - 1 (delta-method
-- variance) with the prior N(0, prior_sd^2), flat when prior_sd is NULL:
-- its mean and standard deviation, P(lift > 0) and the expected loss of
-- choosing b, E[max(0, -lift)].
CREATE FUNCTION convert.bayes_lift(
    n_a bigint, mean_a float8, variance_a float8,
    n_b bigint, mean_b float8, variance_b float8,
    prior_sd float8 DEFAULT NULL,
    OUT lift float8, OUT lift_sd float8, OUT chance_to_win float8, OUT risk float8)
AS 'MODULE_PATHNAME', 'convert_bayes_lift'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.bayes_lift(bigint, float8, float8, bigint, float8, float8,
                                          float8) FROM PUBLIC;

-- p-values adjusted as one family: 'holm' (Holm-Bonferroni, family-wise
-- error) or 'bh' (Benjamini-Hochberg, false discovery rate).  NULL
-- elements are not tests: they stay NULL and do not count.
CREATE FUNCTION convert.adjusted_p_values(p_values float8[], method text)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'convert_adjusted_p_values'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.adjusted_p_values(float8[], text) FROM PUBLIC;

-- Ratio metric (revenue per converting visitor, products per order) of
-- arm b against the original a by the delta method (Deng, Knoblich, Lu
-- 2018): from each arm's sums over its n visitors of the numerator y, the
-- denominator d, their squares and products, the ratios sum_y / sum_d,
-- the relative uplift ratio_b / ratio_a - 1 with its interval and
-- p-value; always-valid ones when sequential_tuning is given.
CREATE FUNCTION convert.ratio_test(
    n_a bigint, sum_y_a float8, sum_yy_a float8, sum_d_a float8, sum_dd_a float8, sum_yd_a float8,
    n_b bigint, sum_y_b float8, sum_yy_b float8, sum_d_b float8, sum_dd_b float8, sum_yd_b float8,
    confidence float8 DEFAULT 0.95, sequential_tuning float8 DEFAULT NULL,
    OUT ratio_a float8, OUT ratio_b float8,
    OUT uplift float8, OUT uplift_low float8, OUT uplift_high float8, OUT p_value float8)
AS 'MODULE_PATHNAME', 'convert_ratio_test'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE ALL ON FUNCTION convert.ratio_test(bigint, float8, float8, float8, float8, float8,
    bigint, float8, float8, float8, float8, float8, float8, float8) FROM PUBLIC;

-- New in 0.2.0 (sql/install/62_analysis_readouts.sql): the CUPED moments
-- and experience_analysis.

-- analysis_tally's totals, then per variation and goal the sums over its
-- visitors that CUPED needs from conversions in [exposure - lookback,
-- exposure): visitors who converted before exposure, of them those who
-- converted after too, and of the pre-exposure revenue within the bounds
-- its sum, sum of squares and sum of products with the post-exposure
-- revenue.  Then, over the converting visitors, for products per order:
-- the orders (conversions with goal data), the sums of orders^2,
-- products^2 (within the bounds) and products x orders.  Rows for every
-- variation and goal with converting visitors or pre-exposure ones;
-- lookback NULL or 0 gives analysis_tally's rows.  With a dimension (a
-- segment key, NULL: none), one row per variation, dimension value
-- (dimension_value; NULL for visitors without one) and goal.
CREATE FUNCTION convert.analysis_moments(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean,
    lookback interval, dimension text)
RETURNS TABLE (variation_id bigint, goal_id bigint, converting_visitors bigint,
               conversions bigint, revenue numeric, products numeric, revenue_squares float8,
               pre_visitors bigint, both_visitors bigint, pre_revenue float8,
               pre_revenue_squares float8, revenue_cross float8,
               orders bigint, orders_squares float8, products_squares float8,
               products_orders float8, dimension_value text)
AS 'MODULE_PATHNAME', 'convert_analysis_moments'
-- as analysis_tally: its own (parallel) queries run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01
-- exposures join their segments visitor by visitor: a nested loop over a
-- freshly loaded (not yet analysed) table would be quadratic
SET enable_nestloop = off;
REVOKE ALL ON FUNCTION convert.analysis_moments(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, boolean, numeric, numeric, boolean, interval, text) FROM PUBLIC;

-- CUPED (Deng, Xu, Kohavi, Walker 2013) for one arm: from the arm's sums
-- over its n visitors of the metric y, the pre-exposure covariate x, their
-- squares and products, and the same sums pooled over every arm, theta =
-- cov(x, y) / var(x) of the pooled visitors (0 when x does not vary), the
-- arm's adjusted mean  mean(y) - theta (mean(x) - pooled mean(x))  and the
-- sample variance of its adjusted values  y - theta x.
CREATE FUNCTION convert.cuped_moments(n bigint, sum_y float8, sum_yy float8,
    sum_x float8, sum_xx float8, sum_xy float8,
    pooled_n bigint, pooled_y float8, pooled_x float8, pooled_xx float8, pooled_xy float8,
    OUT theta float8, OUT mean float8, OUT variance float8)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.theta,
           CASE WHEN n > 0 THEN sum_y / n - t.theta * (sum_x / n - pooled_x / pooled_n) END,
           CASE WHEN n > 1
                THEN (sum_yy - sum_y * sum_y / n
                      + t.theta * t.theta * (sum_xx - sum_x * sum_x / n)
                      - 2 * t.theta * (sum_xy - sum_x * sum_y / n)) / (n - 1) END
    FROM (SELECT CASE WHEN pooled_n > 1 AND pooled_xx - pooled_x * pooled_x / pooled_n > 0
                      THEN (pooled_xy - pooled_x * pooled_y / pooled_n)
                           / (pooled_xx - pooled_x * pooled_x / pooled_n)
                      ELSE 0 END AS theta) AS t
$$;
REVOKE ALL ON FUNCTION convert.cuped_moments(bigint, float8, float8, float8, float8, float8,
    bigint, float8, float8, float8, float8) FROM PUBLIC;

-- One row per variation and goal, as convert.experience_results (the same
-- first 22 columns, the same numbers with the defaults), then:
--   p_value_adjusted, revenue_p_value_adjusted
--       with correction 'holm' or 'bh': p_value and revenue_p_value
--       adjusted as one family (every p-value of the rows); NULL otherwise
--   chance_to_win, risk, revenue_chance_to_win, revenue_risk
--       Bayesian, from the Gaussian posterior of the relative lift with
--       the prior N(0, prior_sd^2) (flat when prior_sd is NULL)
--   cuped_conversion_rate, cuped_uplift, cuped_uplift_low, cuped_uplift_high,
--   cuped_p_value, cuped_revenue_per_visitor, revenue_cuped_uplift,
--   revenue_cuped_uplift_low, revenue_cuped_uplift_high, revenue_cuped_p_value
--       with cuped: the CUPED-adjusted means and their comparison (Welch's
--       test on the adjusted values), the covariate being each visitor's
--       same metric in cuped_lookback before exposure; NULL otherwise
--   revenue_per_converter, revenue_per_converter_uplift, _uplift_low,
--   _uplift_high, _p_value, products_per_order, products_per_order_uplift,
--   _uplift_low, _uplift_high, _p_value
--       ratio metrics by the delta method (convert.ratio_test): revenue
--       over converting visitors, products over orders (conversions with
--       goal data); not part of the corrections' family
--   dimension_value, dimension_share, srm_p_value
--       with dimension (a segment key): the rows of each value of it (and
--       of visitors without one, NULL), the share of the period's visitors
--       with that value and the sample-ratio test of that value's visitors
--       against the allocations; without: NULL, 1 and the whole
--       experience's sample-ratio test
-- With sequential, p_value, uplift_low/high and their revenue_ and cuped_
-- peers are the always-valid ones (confidence sequence tuned for
-- sequential_tuning visitors), from the unpooled standard error.  With
-- cuped, the corrections adjust the CUPED p-values.
CREATE FUNCTION convert.experience_analysis(project_id bigint, experience_id text,
    from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
    confidence float8 DEFAULT 0.95,
    correction text DEFAULT NULL,
    sequential boolean DEFAULT false, sequential_tuning float8 DEFAULT 5000,
    prior_sd float8 DEFAULT NULL,
    cuped boolean DEFAULT false, cuped_lookback interval DEFAULT '14 days',
    dimension text DEFAULT NULL)
RETURNS TABLE (
    variation_id text, variation_key text, is_original boolean,
    goal_id text, goal_key text,
    visitors bigint, converting_visitors bigint, conversions bigint, conversion_rate float8,
    revenue numeric, products numeric, revenue_per_visitor float8,
    uplift float8, uplift_low float8, uplift_high float8,
    p_value float8, chance_to_beat float8,
    revenue_uplift float8, revenue_uplift_low float8, revenue_uplift_high float8,
    revenue_p_value float8, revenue_chance_to_beat float8,
    p_value_adjusted float8, revenue_p_value_adjusted float8,
    chance_to_win float8, risk float8,
    revenue_chance_to_win float8, revenue_risk float8,
    cuped_conversion_rate float8, cuped_uplift float8, cuped_uplift_low float8,
    cuped_uplift_high float8, cuped_p_value float8,
    cuped_revenue_per_visitor float8, revenue_cuped_uplift float8,
    revenue_cuped_uplift_low float8, revenue_cuped_uplift_high float8,
    revenue_cuped_p_value float8,
    revenue_per_converter float8, revenue_per_converter_uplift float8,
    revenue_per_converter_uplift_low float8, revenue_per_converter_uplift_high float8,
    revenue_per_converter_p_value float8,
    products_per_order float8, products_per_order_uplift float8,
    products_per_order_uplift_low float8, products_per_order_uplift_high float8,
    products_per_order_p_value float8,
    dimension_value text, dimension_share float8, srm_p_value float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
-- as analysis_moments: segments join exposures without a nested loop;
-- that makes small joins look costly, which must not start JIT compilation
SET enable_nestloop = off
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    p bigint := project_id;
    e bigint := convert_internal.analysis_experience(project_id, experience_id);
    t0 timestamptz := coalesce(from_time, '-infinity');
    t1 timestamptz := coalesce(to_time, 'infinity');
    use_sequential boolean := coalesce(sequential, false);
    use_cuped boolean := coalesce(cuped, false);
    lookback interval := CASE WHEN coalesce(cuped, false) THEN cuped_lookback END;
    proj record;
    orders record;
    items record;
    exposed jsonb;
BEGIN
    IF correction IS NOT NULL AND correction NOT IN ('holm', 'bh') THEN
        RAISE EXCEPTION 'unknown correction "%"', left(correction, 100)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''holm'' (Holm-Bonferroni), ''bh'' (Benjamini-Hochberg) or NULL.';
    END IF;
    IF use_sequential AND NOT coalesce(sequential_tuning > 0 AND sequential_tuning < 'infinity', false) THEN
        RAISE EXCEPTION 'sequential_tuning must be a positive number of visitors, not %', sequential_tuning
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = '5000 is the usual default: about the sample size at which you expect to decide.';
    END IF;
    IF NOT coalesce(prior_sd > 0 AND prior_sd < 'infinity', true) THEN
        RAISE EXCEPTION 'prior_sd must be positive, or NULL for the flat prior, not %', prior_sd
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT pr.outliers, pr.settings INTO proj FROM convert.projects AS pr WHERE pr.id = p;
    orders := convert_internal.outlier_bounds(proj.outliers->'order_value',
        (proj.settings->>'min_order_value')::numeric, (proj.settings->>'max_order_value')::numeric);
    items := convert_internal.outlier_bounds(proj.outliers->'products_ordered_count', NULL, NULL);

    IF use_cuped AND cuped_lookback IS NULL THEN
        RAISE EXCEPTION 'cuped_lookback must not be NULL with cuped'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The usual window is ''14 days''.';
    END IF;

    -- visitors per variation, and per dimension value with a dimension, as
    -- [variation, value, visitors]: counted in a query of their own, which
    -- Citus runs on the shards (docs/citus.md)
    IF dimension IS NULL THEN
        SELECT jsonb_agg(jsonb_build_array(x.key::bigint, NULL::text, x.value::bigint)) INTO exposed
        FROM jsonb_each_text(convert_internal.analysis_exposure(p, e, t0, t1)) AS x;
    ELSE
        -- each visitor's value of the key in the segments sent with its
        -- assignment (one per experience), stored once in segment_sets
        SELECT jsonb_agg(jsonb_build_array(c.variation_id, c.value, c.n)) INTO exposed
        FROM (SELECT vb.variation_id, s.segments ->> dimension AS value, count(*) AS n
              FROM convert.visitor_bucketing AS vb
              LEFT JOIN convert.segment_sets AS s ON s.digest = vb.segments_digest
              WHERE vb.project_id = p AND vb.experience_id = e
                AND vb.bucketed_at >= t0 AND vb.bucketed_at < t1
              GROUP BY vb.variation_id, s.segments ->> dimension) AS c;
    END IF;

    RETURN QUERY
    WITH arm_goal_totals AS (
        SELECT t.variation_id, t.goal_id, t.converting_visitors AS converting, t.conversions,
               t.revenue, t.products, t.revenue_squares, t.pre_visitors, t.both_visitors,
               t.pre_revenue, t.pre_revenue_squares, t.revenue_cross,
               t.orders, t.orders_squares, t.products_squares, t.products_orders,
               t.dimension_value AS dim
        -- on Citus tallied by the workers (63_analysis_citus.sql)
        FROM convert_internal.experience_moments(p, e, from_time, to_time,
                                                 orders.low, orders.high, orders.percentile,
                                                 items.low, items.high, items.percentile, lookback,
                                                 dimension) AS t
    ), exposure AS (
        SELECT (x.r ->> 0)::bigint AS variation_id, x.r ->> 1 AS dim, (x.r ->> 2)::bigint AS visitors
        FROM jsonb_array_elements(coalesce(exposed, '[]')) AS x(r)
    ), dims AS (
        -- without a dimension one group, NULL, even when nobody was exposed
        SELECT NULL::text AS dim WHERE dimension IS NULL
        UNION
        SELECT x.dim FROM exposure AS x WHERE dimension IS NOT NULL
    ), arms AS (
        SELECT a.*, dm.dim, coalesce(x.visitors, 0) AS n
        FROM convert_internal.analysis_arms(p, e) AS a
        CROSS JOIN dims AS dm
        LEFT JOIN exposure AS x ON x.variation_id = a.id AND x.dim IS NOT DISTINCT FROM dm.dim
    ), srm AS (
        -- per dimension value: its share of the visitors, and its split
        SELECT ad.dim, sum(ad.n)::float8 / nullif(sum(sum(ad.n)) OVER (), 0) AS share,
               (convert.sample_ratio_test(array_agg(ad.n::float8 ORDER BY ad.arm_position),
                                          array_agg(ad.weight::float8 ORDER BY ad.arm_position))).p_value
        FROM arms AS ad
        GROUP BY ad.dim
    ), arm_goal AS (
        SELECT a.id AS arm, a.key AS arm_key, a.is_original, a.arm_position, a.dim,
               g.id AS goal, g.key AS goal_key, coalesce(eg.position, 1000000000) AS goal_position,
               eg.goal_id IS NOT NULL AS experience_goal,
               a.n,
               coalesce(t.converting, 0) AS converting,
               coalesce(t.conversions, 0)::bigint AS conversions,
               coalesce(t.revenue, 0) AS revenue,
               coalesce(t.products, 0) AS products,
               coalesce(t.revenue_squares, 0) AS revenue_squares,
               coalesce(t.pre_visitors, 0) AS pre_visitors,
               coalesce(t.both_visitors, 0) AS both_visitors,
               coalesce(t.pre_revenue, 0) AS pre_revenue,
               coalesce(t.pre_revenue_squares, 0) AS pre_revenue_squares,
               coalesce(t.revenue_cross, 0) AS revenue_cross,
               coalesce(t.orders, 0) AS orders,
               coalesce(t.orders_squares, 0) AS orders_squares,
               coalesce(t.products_squares, 0) AS products_squares,
               coalesce(t.products_orders, 0) AS products_orders
        FROM arms AS a
        CROSS JOIN convert.goals AS g
        LEFT JOIN convert.experience_goals AS eg
          ON eg.project_id = g.project_id AND eg.experience_id = e AND eg.goal_id = g.id
        LEFT JOIN arm_goal_totals AS t
          ON t.variation_id = a.id AND t.goal_id = g.id AND t.dim IS NOT DISTINCT FROM a.dim
        WHERE g.project_id = p
    ), moments AS (
        -- per arm: conversion rate and its Bernoulli variance, revenue per
        -- visitor and its sample variance
        SELECT ag.*, sum(ag.converting) OVER (PARTITION BY ag.goal) AS goal_converting,
               CASE WHEN ag.n > 0 THEN ag.converting::float8 / ag.n END AS rate,
               CASE WHEN ag.n > 0 THEN (ag.revenue / ag.n)::float8 END AS mean,
               CASE WHEN ag.n > 1
                    THEN ((ag.revenue_squares - ag.revenue * ag.revenue / ag.n) / (ag.n - 1))::float8
               END AS variance
        FROM arm_goal AS ag
    ), pooled AS (
        -- per goal, over every arm: what CUPED's theta is computed from
        SELECT m.*,
               sum(m.n) OVER w AS pooled_n,
               sum(m.converting) OVER w AS pooled_converting,
               sum(m.pre_visitors) OVER w AS pooled_pre_visitors,
               sum(m.both_visitors) OVER w AS pooled_both_visitors,
               sum(m.revenue) OVER w AS pooled_revenue,
               sum(m.pre_revenue) OVER w AS pooled_pre_revenue,
               sum(m.pre_revenue_squares) OVER w AS pooled_pre_revenue_squares,
               sum(m.revenue_cross) OVER w AS pooled_revenue_cross
        FROM moments AS m
        WINDOW w AS (PARTITION BY m.dim, m.goal)
    ), adjusted_moments AS (
        -- the conversion indicator and revenue, each with its own
        -- pre-exposure value as the covariate
        SELECT pm.*, cr.mean AS cuped_rate, cr.variance AS cuped_rate_variance,
               cv.mean AS cuped_mean, cv.variance AS cuped_variance
        FROM pooled AS pm
        LEFT JOIN LATERAL convert.cuped_moments(
            pm.n, pm.converting, pm.converting, pm.pre_visitors, pm.pre_visitors, pm.both_visitors,
            pm.pooled_n::bigint, pm.pooled_converting::float8, pm.pooled_pre_visitors::float8,
            pm.pooled_pre_visitors::float8, pm.pooled_both_visitors::float8) AS cr ON use_cuped
        LEFT JOIN LATERAL convert.cuped_moments(
            pm.n, pm.revenue::float8, pm.revenue_squares, pm.pre_revenue, pm.pre_revenue_squares,
            pm.revenue_cross, pm.pooled_n::bigint, pm.pooled_revenue::float8, pm.pooled_pre_revenue,
            pm.pooled_pre_revenue_squares, pm.pooled_revenue_cross) AS cv ON use_cuped
    ), compared AS (
        SELECT s.arm, s.arm_key, s.is_original, s.goal, s.goal_key, s.n, s.converting,
               s.conversions, s.rate, s.revenue, s.products, s.mean, s.dim,
               row_number() OVER (ORDER BY s.dim, s.goal_position, s.goal, s.arm_position) AS k,
               rate.uplift, rate.chance_to_beat,
               CASE WHEN use_sequential THEN seq.uplift_low ELSE rate.uplift_low END AS uplift_low,
               CASE WHEN use_sequential THEN seq.uplift_high ELSE rate.uplift_high END AS uplift_high,
               CASE WHEN use_sequential THEN seq.p_value ELSE rate.p_value END AS p_value,
               rpv.uplift AS revenue_uplift, rpv.chance_to_beat AS revenue_chance_to_beat,
               CASE WHEN use_sequential THEN rseq.uplift_low ELSE rpv.uplift_low END AS revenue_uplift_low,
               CASE WHEN use_sequential THEN rseq.uplift_high ELSE rpv.uplift_high END AS revenue_uplift_high,
               CASE WHEN use_sequential THEN rseq.p_value ELSE rpv.p_value END AS revenue_p_value,
               b.chance_to_win, b.risk,
               rb.chance_to_win AS revenue_chance_to_win, rb.risk AS revenue_risk,
               s.cuped_rate, rate_cuped.uplift AS cuped_uplift,
               CASE WHEN use_sequential THEN rate_cuped_seq.uplift_low ELSE rate_cuped.uplift_low END
                   AS cuped_uplift_low,
               CASE WHEN use_sequential THEN rate_cuped_seq.uplift_high ELSE rate_cuped.uplift_high END
                   AS cuped_uplift_high,
               CASE WHEN use_sequential THEN rate_cuped_seq.p_value ELSE rate_cuped.p_value END
                   AS cuped_p_value,
               s.cuped_mean, rpv_cuped.uplift AS revenue_cuped_uplift,
               CASE WHEN use_sequential THEN rpv_cuped_seq.uplift_low ELSE rpv_cuped.uplift_low END
                   AS revenue_cuped_uplift_low,
               CASE WHEN use_sequential THEN rpv_cuped_seq.uplift_high ELSE rpv_cuped.uplift_high END
                   AS revenue_cuped_uplift_high,
               CASE WHEN use_sequential THEN rpv_cuped_seq.p_value ELSE rpv_cuped.p_value END
                   AS revenue_cuped_p_value,
               CASE WHEN s.converting > 0 THEN s.revenue::float8 / s.converting END
                   AS revenue_per_converter,
               rpc.uplift AS rpc_uplift, rpc.uplift_low AS rpc_uplift_low,
               rpc.uplift_high AS rpc_uplift_high, rpc.p_value AS rpc_p_value,
               CASE WHEN s.orders > 0 THEN s.products::float8 / s.orders END AS products_per_order,
               ppo.uplift AS ppo_uplift, ppo.uplift_low AS ppo_uplift_low,
               ppo.uplift_high AS ppo_uplift_high, ppo.p_value AS ppo_p_value
        FROM adjusted_moments AS s
        JOIN adjusted_moments AS o
          ON o.goal = s.goal AND o.dim IS NOT DISTINCT FROM s.dim AND o.is_original
        LEFT JOIN LATERAL convert.two_proportion_test(o.n, o.converting, s.n, s.converting,
                                                      confidence) AS rate ON NOT s.is_original
        LEFT JOIN LATERAL convert.sequential_test(o.n, o.rate, o.rate * (1 - o.rate),
                                                  s.n, s.rate, s.rate * (1 - s.rate),
                                                  confidence, sequential_tuning) AS seq
               ON use_sequential AND NOT s.is_original
        LEFT JOIN LATERAL convert.welch_test(o.n, o.mean, o.variance, s.n, s.mean, s.variance,
                                             confidence) AS rpv
               ON NOT s.is_original AND o.variance IS NOT NULL AND s.variance IS NOT NULL
        LEFT JOIN LATERAL convert.sequential_test(o.n, o.mean, o.variance, s.n, s.mean, s.variance,
                                                  confidence, sequential_tuning) AS rseq
               ON use_sequential AND NOT s.is_original
                  AND o.variance IS NOT NULL AND s.variance IS NOT NULL
        LEFT JOIN LATERAL convert.bayes_lift(o.n, o.rate, o.rate * (1 - o.rate),
                                             s.n, s.rate, s.rate * (1 - s.rate), prior_sd) AS b
               ON NOT s.is_original
        LEFT JOIN LATERAL convert.bayes_lift(o.n, o.mean, o.variance, s.n, s.mean, s.variance,
                                             prior_sd) AS rb
               ON NOT s.is_original
        LEFT JOIN LATERAL convert.welch_test(o.n, o.cuped_rate, o.cuped_rate_variance,
                                             s.n, s.cuped_rate, s.cuped_rate_variance,
                                             confidence) AS rate_cuped
               ON use_cuped AND NOT s.is_original
        LEFT JOIN LATERAL convert.sequential_test(o.n, o.cuped_rate, o.cuped_rate_variance,
                                                  s.n, s.cuped_rate, s.cuped_rate_variance,
                                                  confidence, sequential_tuning) AS rate_cuped_seq
               ON use_cuped AND use_sequential AND NOT s.is_original
        LEFT JOIN LATERAL convert.welch_test(o.n, o.cuped_mean, o.cuped_variance,
                                             s.n, s.cuped_mean, s.cuped_variance,
                                             confidence) AS rpv_cuped
               ON use_cuped AND NOT s.is_original
        LEFT JOIN LATERAL convert.sequential_test(o.n, o.cuped_mean, o.cuped_variance,
                                                  s.n, s.cuped_mean, s.cuped_variance,
                                                  confidence, sequential_tuning) AS rpv_cuped_seq
               ON use_cuped AND use_sequential AND NOT s.is_original
        -- revenue only comes with a conversion: sum of revenue x converted = revenue
        LEFT JOIN LATERAL convert.ratio_test(
            o.n, o.revenue::float8, o.revenue_squares, o.converting, o.converting, o.revenue::float8,
            s.n, s.revenue::float8, s.revenue_squares, s.converting, s.converting, s.revenue::float8,
            confidence, CASE WHEN use_sequential THEN sequential_tuning END) AS rpc
               ON NOT s.is_original
        LEFT JOIN LATERAL convert.ratio_test(
            o.n, o.products::float8, o.products_squares, o.orders, o.orders_squares, o.products_orders,
            s.n, s.products::float8, s.products_squares, s.orders, s.orders_squares, s.products_orders,
            confidence, CASE WHEN use_sequential THEN sequential_tuning END) AS ppo
               ON NOT s.is_original
        -- the experience's goals, in config order, then any other goal converted on
        -- (in any dimension value)
        WHERE s.experience_goal OR s.goal_converting > 0
    ), tests AS (
        -- the family: every p-value decided on (m 0: conversion rate, 1:
        -- revenue), the CUPED ones with cuped
        SELECT c.k, x.m, x.p
        FROM compared AS c
        CROSS JOIN LATERAL (VALUES (0, CASE WHEN use_cuped THEN c.cuped_p_value ELSE c.p_value END),
                                   (1, CASE WHEN use_cuped THEN c.revenue_cuped_p_value
                                            ELSE c.revenue_p_value END)) AS x(m, p)
        WHERE correction IS NOT NULL AND x.p IS NOT NULL
    ), adjusted AS (
        SELECT a.k, a.m, a.adjusted
        FROM (SELECT array_agg(t.k ORDER BY t.k, t.m) AS ks, array_agg(t.m ORDER BY t.k, t.m) AS ms,
                     convert.adjusted_p_values(array_agg(t.p ORDER BY t.k, t.m), correction) AS ps
              FROM tests AS t) AS f
        CROSS JOIN LATERAL unnest(f.ks, f.ms, f.ps) AS a(k, m, adjusted)
    )
    SELECT c.arm::text, c.arm_key, c.is_original, c.goal::text, c.goal_key,
           c.n, c.converting, c.conversions, c.rate,
           c.revenue, c.products, c.mean,
           c.uplift, c.uplift_low, c.uplift_high, c.p_value, c.chance_to_beat,
           c.revenue_uplift, c.revenue_uplift_low, c.revenue_uplift_high,
           c.revenue_p_value, c.revenue_chance_to_beat,
           ar.adjusted, arev.adjusted,
           c.chance_to_win, c.risk, c.revenue_chance_to_win, c.revenue_risk,
           c.cuped_rate, c.cuped_uplift, c.cuped_uplift_low, c.cuped_uplift_high, c.cuped_p_value,
           c.cuped_mean, c.revenue_cuped_uplift, c.revenue_cuped_uplift_low,
           c.revenue_cuped_uplift_high, c.revenue_cuped_p_value,
           c.revenue_per_converter, c.rpc_uplift, c.rpc_uplift_low, c.rpc_uplift_high,
           c.rpc_p_value, c.products_per_order, c.ppo_uplift, c.ppo_uplift_low,
           c.ppo_uplift_high, c.ppo_p_value,
           c.dim, sr.share, sr.p_value
    FROM compared AS c
    JOIN srm AS sr ON sr.dim IS NOT DISTINCT FROM c.dim
    LEFT JOIN adjusted AS ar ON ar.k = c.k AND ar.m = 0
    LEFT JOIN adjusted AS arev ON arev.k = c.k AND arev.m = 1
    ORDER BY c.k;
END $$;
REVOKE ALL ON FUNCTION convert.experience_analysis(bigint, text, timestamptz, timestamptz, float8,
    text, boolean, float8, float8, boolean, interval, text) FROM PUBLIC;

-- Per day (UTC) from the first exposure's, for each variation with
-- visitors and each goal converted on: the visitors exposed and those
-- converted (first conversion at or after exposure) by the end of the day,
-- in one pass (the tally keeps each visitor's first conversion day).
CREATE OR REPLACE FUNCTION convert.analysis_daily(project_id bigint, experience_id bigint,
                                       from_time timestamptz, to_time timestamptz)
RETURNS TABLE (day date, variation_id bigint, goal_id bigint, visitors bigint,
               converting_visitors bigint)
AS 'MODULE_PATHNAME', 'convert_analysis_daily'
-- as analysis_tally: its own (parallel) queries run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01;
REVOKE ALL ON FUNCTION convert.analysis_daily(bigint, bigint, timestamptz, timestamptz) FROM PUBLIC;

-- How an experiment converged: per day, cumulative visitors and converting
-- visitors per variation and goal, the conversion rate and each variation
-- against the original (two-proportion z-test, or with sequential the
-- always-valid sequence, which is what looking at every day calls for).
CREATE OR REPLACE FUNCTION convert.experience_daily_results(project_id bigint, experience_id text,
    from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
    confidence float8 DEFAULT 0.95,
    sequential boolean DEFAULT false, sequential_tuning float8 DEFAULT 5000)
RETURNS TABLE (day date, variation_id text, variation_key text, is_original boolean,
               goal_id text, goal_key text, visitors bigint, converting_visitors bigint,
               conversion_rate float8, uplift float8, uplift_low float8, uplift_high float8,
               p_value float8)
LANGUAGE sql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
AS $$
    WITH experience AS (
        SELECT convert.analysis_experience(experience_daily_results.project_id,
                                           experience_daily_results.experience_id) AS id
    ), days AS (
        SELECT d.*, a.key AS arm_key, a.is_original, a.arm_position,
               g.key AS goal_key, coalesce(eg.position, 1000000000) AS goal_position,
               CASE WHEN d.visitors > 0 THEN d.converting_visitors::float8 / d.visitors END AS rate
        FROM experience AS x
        CROSS JOIN LATERAL convert.analysis_daily(experience_daily_results.project_id, x.id,
                                                  from_time, to_time) AS d
        JOIN convert.analysis_arms(experience_daily_results.project_id, x.id) AS a
          ON a.id = d.variation_id
        JOIN convert.goals AS g
          ON g.project_id = experience_daily_results.project_id AND g.id = d.goal_id
        LEFT JOIN convert.experience_goals AS eg
          ON eg.project_id = g.project_id AND eg.experience_id = x.id AND eg.goal_id = g.id
    )
    SELECT s.day, s.variation_id::text, s.arm_key, s.is_original, s.goal_id::text, s.goal_key,
           s.visitors, s.converting_visitors, s.rate,
           coalesce(f.uplift, q.uplift),
           CASE WHEN sequential THEN q.uplift_low ELSE f.uplift_low END,
           CASE WHEN sequential THEN q.uplift_high ELSE f.uplift_high END,
           CASE WHEN sequential THEN q.p_value ELSE f.p_value END
    FROM days AS s
    LEFT JOIN days AS o ON o.day = s.day AND o.goal_id = s.goal_id AND o.is_original
    LEFT JOIN LATERAL convert.two_proportion_test(o.visitors, o.converting_visitors,
                                                  s.visitors, s.converting_visitors,
                                                  confidence) AS f
           ON NOT coalesce(sequential, false) AND NOT s.is_original
    LEFT JOIN LATERAL convert.sequential_test(o.visitors, o.rate, o.rate * (1 - o.rate),
                                              s.visitors, s.rate, s.rate * (1 - s.rate),
                                              confidence, sequential_tuning) AS q
           ON coalesce(sequential, false) AND NOT s.is_original
    ORDER BY s.goal_position, s.goal_id, s.day, s.arm_position
$$;
REVOKE ALL ON FUNCTION convert.experience_daily_results(bigint, text, timestamptz, timestamptz,
    float8, boolean, float8) FROM PUBLIC;

-- The analysts' role may call them (sql/install/98_privileges.sql).
GRANT EXECUTE ON FUNCTION
    convert.sequential_test(bigint, float8, float8, bigint, float8, float8, float8, float8),
    convert.bayes_lift(bigint, float8, float8, bigint, float8, float8, float8),
    convert.adjusted_p_values(float8[], text),
    convert.ratio_test(bigint, float8, float8, float8, float8, float8,
                       bigint, float8, float8, float8, float8, float8, float8, float8),
    convert.experience_analysis(bigint, text, timestamptz, timestamptz, float8, text, boolean,
                                float8, float8, boolean, interval, text),
    convert.experience_daily_results(bigint, text, timestamptz, timestamptz, float8, boolean, float8),
    -- what experience_analysis and experience_daily_results call, as their caller
    convert.analysis_moments(bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean,
                             numeric, numeric, boolean, interval, text),
    convert.cuped_moments(bigint, float8, float8, float8, float8, float8,
                          bigint, float8, float8, float8, float8),
    convert.analysis_daily(bigint, bigint, timestamptz, timestamptz)
TO convert_analyst;

-- New in 0.2.0 (sql/install/60_analysis_stats.sql): the aggregate
-- convert.metric_moments(y [, x]): per group, the moments of a per-visitor
-- metric y and its covariate x (a NULL x counts as 0; a NULL y leaves the
-- row out), kept as means and centred sums that parallel workers and Citus
-- shards combine exactly: n, mean and sample variance of y for welch_test
-- and sequential_test, the sums for cuped_moments.  NULL for no rows.
CREATE TYPE convert.moments AS (
    n bigint, mean float8, variance float8,
    sum_y float8, sum_yy float8, sum_x float8, sum_xx float8, sum_xy float8);

CREATE FUNCTION convert.metric_moments_add(internal, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_add'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION convert.metric_moments_add(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_add'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION convert.metric_moments_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION convert.metric_moments_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'convert_metric_moments_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.metric_moments_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'convert_metric_moments_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION convert.metric_moments_final(internal)
RETURNS convert.moments
AS 'MODULE_PATHNAME', 'convert_metric_moments_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE convert.metric_moments(y float8, x float8) (
    SFUNC = convert.metric_moments_add, STYPE = internal,
    FINALFUNC = convert.metric_moments_final,
    COMBINEFUNC = convert.metric_moments_combine,
    SERIALFUNC = convert.metric_moments_serialize,
    DESERIALFUNC = convert.metric_moments_deserialize,
    PARALLEL = SAFE);

CREATE AGGREGATE convert.metric_moments(y float8) (
    SFUNC = convert.metric_moments_add, STYPE = internal,
    FINALFUNC = convert.metric_moments_final,
    COMBINEFUNC = convert.metric_moments_combine,
    SERIALFUNC = convert.metric_moments_serialize,
    DESERIALFUNC = convert.metric_moments_deserialize,
    PARALLEL = SAFE);

-- (98_privileges.sql)
-- The per-group moments of a metric (convert.metric_moments).
GRANT EXECUTE ON FUNCTION convert.metric_moments(float8, float8), convert.metric_moments(float8)
TO convert_analyst;

-- ---------------------------------------------------------------------------
-- Citus: opt-in distribution of the tracking tables (docs/citus.md)
-- ---------------------------------------------------------------------------

-- (sql/install/61_analysis_results.sql) The exposure counts come from
-- convert_internal.analysis_exposure (created after the internal helpers'
-- section below), which Citus runs on the shards.
-- One row per variation and goal of an experience: exposure, conversions,
-- revenue, and each variation against the original (the first variation):
-- conversion rate by the two-proportion z-test, revenue per visitor by
-- Welch's t-test over per-visitor revenue (0 for visitors without orders).
-- A conversion counts when it is received at or after the visitor's
-- exposure; both are limited to [from_time, to_time).
CREATE OR REPLACE FUNCTION convert.experience_results(project_id bigint, experience_id text,
    from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL,
    confidence float8 DEFAULT 0.95)
RETURNS TABLE (
    variation_id text, variation_key text, is_original boolean,
    goal_id text, goal_key text,
    visitors bigint, converting_visitors bigint, conversions bigint, conversion_rate float8,
    revenue numeric, products numeric, revenue_per_visitor float8,
    uplift float8, uplift_low float8, uplift_high float8,
    p_value float8, chance_to_beat float8,
    revenue_uplift float8, revenue_uplift_low float8, revenue_uplift_high float8,
    revenue_p_value float8, revenue_chance_to_beat float8)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    p bigint := project_id;
    e bigint := convert_internal.analysis_experience(project_id, experience_id);
    t0 timestamptz := coalesce(from_time, '-infinity');
    t1 timestamptz := coalesce(to_time, 'infinity');
    proj record;
    orders record;
    items record;
BEGIN
    SELECT pr.outliers, pr.settings INTO proj FROM convert.projects AS pr WHERE pr.id = p;
    orders := convert_internal.outlier_bounds(proj.outliers->'order_value',
        (proj.settings->>'min_order_value')::numeric, (proj.settings->>'max_order_value')::numeric);
    items := convert_internal.outlier_bounds(proj.outliers->'products_ordered_count', NULL, NULL);

    RETURN QUERY
    WITH arm_goal_totals AS (
        SELECT t.variation_id, t.goal_id, t.converting_visitors AS converting, t.conversions,
               t.revenue, t.products, t.revenue_squares
        -- on Citus tallied by the workers (63_analysis_citus.sql)
        FROM convert_internal.experience_tally(p, e, from_time, to_time,
                                               orders.low, orders.high, orders.percentile,
                                               items.low, items.high, items.percentile) AS t
    ), exposure AS (
        SELECT x.key::bigint AS variation_id, x.value::bigint AS visitors
        FROM jsonb_each_text(convert_internal.analysis_exposure(p, e, t0, t1)) AS x
    ), arm_goal AS (
        SELECT a.id AS arm, a.key AS arm_key, a.is_original, a.arm_position,
               g.id AS goal, g.key AS goal_key, coalesce(eg.position, 1000000000) AS goal_position,
               eg.goal_id IS NOT NULL AS experience_goal,
               coalesce(x.visitors, 0) AS visitors,
               coalesce(t.converting, 0) AS converting,
               coalesce(t.conversions, 0)::bigint AS conversions,
               coalesce(t.revenue, 0) AS revenue,
               coalesce(t.products, 0) AS products,
               coalesce(t.revenue_squares, 0) AS revenue_squares
        FROM convert_internal.analysis_arms(p, e) AS a
        CROSS JOIN convert.goals AS g
        LEFT JOIN convert.experience_goals AS eg
          ON eg.project_id = g.project_id AND eg.experience_id = e AND eg.goal_id = g.id
        LEFT JOIN exposure AS x ON x.variation_id = a.id
        LEFT JOIN arm_goal_totals AS t ON t.variation_id = a.id AND t.goal_id = g.id
        WHERE g.project_id = p
    ), moments AS (
        SELECT ag.*, sum(ag.converting) OVER (PARTITION BY ag.goal) AS goal_converting,
               CASE WHEN ag.visitors > 0 THEN ag.revenue / ag.visitors END AS mean,
               CASE WHEN ag.visitors > 1
                    THEN (ag.revenue_squares - ag.revenue * ag.revenue / ag.visitors) / (ag.visitors - 1)
               END AS variance
        FROM arm_goal AS ag
    )
    SELECT s.arm::text, s.arm_key, s.is_original, s.goal::text, s.goal_key,
           s.visitors, s.converting, s.conversions,
           CASE WHEN s.visitors > 0 THEN s.converting::float8 / s.visitors END,
           s.revenue, s.products, s.mean::float8,
           rate.uplift, rate.uplift_low, rate.uplift_high, rate.p_value, rate.chance_to_beat,
           rpv.uplift, rpv.uplift_low, rpv.uplift_high, rpv.p_value, rpv.chance_to_beat
    FROM moments AS s
    JOIN moments AS o ON o.goal = s.goal AND o.is_original
    LEFT JOIN LATERAL convert.two_proportion_test(o.visitors, o.converting, s.visitors, s.converting,
                                                  confidence) AS rate ON NOT s.is_original
    LEFT JOIN LATERAL convert.welch_test(o.visitors, o.mean::float8, o.variance::float8,
                                         s.visitors, s.mean::float8, s.variance::float8,
                                         confidence) AS rpv
           ON NOT s.is_original AND o.mean IS NOT NULL AND s.mean IS NOT NULL
              AND o.variance IS NOT NULL AND s.variance IS NOT NULL
    -- the experience's goals, in config order, then any other goal converted on
    WHERE s.experience_goal OR s.goal_converting > 0
    ORDER BY s.goal_position, s.goal, s.arm_position;
END $$;

-- The experience's variations in config order; the first is the original.
CREATE OR REPLACE FUNCTION convert.analysis_arms(project_id bigint, experience_id bigint)
RETURNS TABLE (id bigint, key text, arm_position int, is_original boolean, weight numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT v.id, v.key, v.position, row_number() OVER (ORDER BY v.position) = 1,
               -- what the SDK gives the arm: running (or no status) and a positive share
               CASE WHEN coalesce(v.status, 'running') = 'running'
                    THEN greatest(coalesce(v.traffic_allocation, 100), 0) ELSE 0 END
        FROM convert.variations AS v
        WHERE v.project_id = analysis_arms.project_id AND v.experience_id = analysis_arms.experience_id
          AND v.id IS NOT NULL
        ORDER BY v.position;
END
$$;

-- Sample-ratio mismatch: visitors observed per variation against the
-- configured allocation (stopped or zero-allocation arms expect none and
-- are left out of the test).  mismatch is p_value < threshold.
CREATE OR REPLACE FUNCTION convert.srm_check(project_id bigint, experience_id text,
                                  threshold float8 DEFAULT 0.001)
RETURNS TABLE (variation_id text, observed bigint, allocation numeric, expected float8,
               chi_square float8, p_value float8, mismatch boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    WITH arms AS (
        SELECT a.id, a.arm_position, a.weight,
               coalesce((x.counts ->> a.id::text)::bigint, 0) AS observed
        FROM (SELECT convert.analysis_experience(srm_check.project_id, srm_check.experience_id) AS id) AS a_exp,
             LATERAL convert_internal.analysis_exposure(srm_check.project_id, a_exp.id,
                                                        '-infinity', 'infinity') AS x(counts),
             convert.analysis_arms(srm_check.project_id, a_exp.id) AS a
    ), test AS (
        SELECT t.chi_square, t.p_value,
               sum(arms.observed) FILTER (WHERE arms.weight > 0) AS total,
               sum(arms.weight) AS weight_total
        FROM arms, convert.sample_ratio_test(
                 (SELECT array_agg(observed::float8 ORDER BY arm_position) FROM arms),
                 (SELECT array_agg(weight::float8 ORDER BY arm_position) FROM arms)) AS t
        GROUP BY t.chi_square, t.p_value
    )
    SELECT arms.id::text, arms.observed, arms.weight,
           CASE WHEN test.weight_total > 0 THEN (test.total * arms.weight / test.weight_total)::float8 END,
           test.chi_square, test.p_value, test.p_value < threshold
    FROM arms, test
    ORDER BY arms.arm_position
$$;

-- (sql/install/56_tracking_citus.sql)
-- Opt in to Citus: distribute the tracking tables and make the project
-- model reference tables (docs/citus.md).  Run by the extension's owner on
-- the coordinator, after the workers were added; running it again
-- distributes only what is not yet distributed.
CREATE FUNCTION convert.citus_distribute()
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    done text[] := '{}';
    t record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Load citus (shared_preload_libraries), CREATE EXTENSION citus, add the '
                         'workers with citus_add_node, then call convert.citus_distribute() again.';
    END IF;
    -- one connection per node: the model's foreign keys, created again
    -- below, need every earlier statement of the transaction on it
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- the visitor's rows on one shard group; a transaction is unique per
    -- goal, so its table is distributed by transaction_id instead; the
    -- batch digests (convert.track_batches) stay on the coordinator
    FOR t IN SELECT * FROM (VALUES
        (1, 'convert.events', 'visitor_id', 'none'),
        (2, 'convert.visitor_bucketing', 'visitor_id', 'convert.events'),
        (3, 'convert.visitor_goals', 'visitor_id', 'convert.events'),
        (4, 'convert.goal_transactions', 'transaction_id', 'none'),
        (5, 'convert.segment_sets', NULL, NULL)) AS v(n, tab, key, colocate)
        ORDER BY v.n
    LOOP
        IF convert_internal.citus_distribute_table(t.tab::pg_catalog.regclass, t.key, t.colocate) THEN
            done := done || t.tab;
        END IF;
    END LOOP;
    -- the project model: a copy on every node (sql/install/57_model_citus.sql)
    done := done || convert_internal.citus_distribute_model();
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger WHERE evtname = 'convert_citus_drop_guard') THEN
        CREATE EVENT TRIGGER convert_citus_drop_guard ON ddl_command_start
            WHEN TAG IN ('DROP EXTENSION') EXECUTE FUNCTION convert_internal.citus_drop_guard();
    END IF;
    RETURN done;
END
$$;

COMMENT ON FUNCTION convert.citus_distribute() IS
'Distributes the tracking tables on Citus (by visitor_id) and makes the project model reference tables; returns the tables it distributed now';

-- Before DROP EXTENSION convert on Citus: drop the tables Citus holds with
-- their shards on every node (the views over them first), and the guard.
-- What they held is gone, as DROP EXTENSION would do.
CREATE FUNCTION convert.citus_prepare_drop()
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- not Citus' notice per member that the workers keep theirs: the tables
-- are dropped on the workers too
SET client_min_messages = warning
AS $$
DECLARE
    tables constant regclass[] := convert_internal.citus_tables();
    names text[];
    waiting bigint;
    obj regclass;
BEGIN
    IF cardinality(tables) = 0 THEN
        RETURN '{}';
    END IF;
    -- every view reading them, also through other views
    FOR obj IN WITH RECURSIVE readers(view) AS (
                   SELECT r.ev_class FROM pg_catalog.pg_depend AS d
                   JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid
                   WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                     AND d.refobjid = ANY (tables) AND r.ev_class <> d.refobjid
                   UNION
                   SELECT r.ev_class FROM readers
                   JOIN pg_catalog.pg_depend AS d ON d.refobjid = readers.view
                   JOIN pg_catalog.pg_rewrite AS r ON r.oid = d.objid
                   WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                     AND r.ev_class <> readers.view)
               SELECT readers.view FROM readers
    LOOP
        EXECUTE format('ALTER EXTENSION convert DROP VIEW %s', obj);
    END LOOP;
    FOREACH obj IN ARRAY tables LOOP
        EXECUTE format('ALTER EXTENSION convert DROP TABLE %s', obj);
    END LOOP;
    SELECT array_agg(convert_internal.qualified_name(t.tab) ORDER BY t.n) INTO names
    FROM unnest(tables) WITH ORDINALITY AS t(tab, n);
    EXECUTE 'DROP TABLE ' || array_to_string(names, ', ') || ' CASCADE';
    DROP EVENT TRIGGER IF EXISTS convert_citus_drop_guard;
    -- old copies of moved shards are Citus' to drop, in the background or
    -- by a procedure that cannot run inside this function's transaction
    EXECUTE 'SELECT count(*) FROM pg_catalog.pg_dist_cleanup WHERE object_name LIKE ''convert.%'''
        INTO waiting;
    IF waiting > 0 THEN
        RAISE WARNING '% old copies of shards of convert still wait for Citus'' cleanup', waiting
            USING DETAIL = 'A shard move left them on the node it moved the shards from.',
                  HINT = 'CALL citus_cleanup_orphaned_resources(); drops them now; Citus also does it '
                         'in the background (citus.defer_shard_delete_interval).';
    END IF;
    RETURN names;
END
$$;

COMMENT ON FUNCTION convert.citus_prepare_drop() IS
'On Citus, before DROP EXTENSION convert: drops the tables Citus holds and their shards on every node';

REVOKE ALL ON FUNCTION convert.citus_distribute(), convert.citus_prepare_drop() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Internal helpers apart from the API (after the others: the sections above name
-- the helpers in schema convert, as 0.1.0 did)
-- ---------------------------------------------------------------------------

CREATE SCHEMA convert_internal;
COMMENT ON SCHEMA convert_internal IS 'Internal helpers of the convert extension; not an API';
REVOKE ALL ON SCHEMA convert_internal FROM PUBLIC;
GRANT USAGE ON SCHEMA convert_internal TO convert_analyst;

-- Each helper moves with its grants; then every function whose body names
-- a helper is created again with the new name in its body (bodies are text,
-- so they do not follow the move as views, defaults and triggers do).
DO $$
DECLARE
    helpers pg_catalog.text[] := pg_catalog.string_to_array(
        'random_bytes secret_equal check_traffic_allocation jsonb_without_nulls rules_jsonb '
        || 'experience_in_environment experience_settings_document project_document '
        || 'archived_experience_ids render_config config_cache_environments '
        || 'config_refresh_at_commit config_mark_dirty config_mark_all_dirty serve_config '
        || 'secret_hash authorization_secret resolve_sdk_key resolve_project debug_mode '
        || 'import_fail import_id import_typed import_text import_number import_integer '
        || 'import_boolean import_object import_array import_text_array import_rules '
        || 'import_project_row import_environments import_elements import_unique_ids import_goals '
        || 'import_locations import_audiences import_segments import_features '
        || 'import_experience_settings import_experiences import_experience_refs '
        || 'import_experience_links import_variations import_change_rows import_changes '
        || 'import_archived event_partition_name create_event_partition '
        || 'ensure_event_partition_days try_event_partition_day json_type_problem json_quote '
        || 'track_parse track_store_events track_reject track_check_envelope track_event_count '
        || 'track_batch analysis_experience outlier_bounds analysis_tally analysis_arms '
        || 'rest_header rest_sdk_secret rest_etag_matches rest_config_cache_control '
        || 'rest_set_headers rest_config_answer rest_track_answer config_notify_sdk_key '
        || 'config_notify_debug_tokens analysis_moments analysis_daily '
        || 'metric_moments_add metric_moments_combine metric_moments_serialize '
        || 'metric_moments_deserialize metric_moments_final', ' ');
    pattern pg_catalog.text := '\mconvert\.(' || pg_catalog.array_to_string(helpers, '|') || ')\M';
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'convert'::pg_catalog.regnamespace
          AND p.proname OPERATOR(pg_catalog.=) ANY (helpers)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET SCHEMA convert_internal', f);
    END LOOP;
    FOR f IN
        SELECT p.oid
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                   AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'convert'
        WHERE p.prosrc OPERATOR(pg_catalog.~) pattern
    LOOP
        EXECUTE pg_catalog.regexp_replace(pg_catalog.pg_get_functiondef(f), pattern,
                                          'convert_internal.\1', 'g');
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Citus: the internal helpers (sql/install/56_tracking_citus.sql,
-- 61_analysis_results.sql; the analysts' grant as in 98_privileges.sql)
-- ---------------------------------------------------------------------------

-- Visitors exposed to each variation of an experience in [from_time,
-- to_time), as {"variation id": count}.  A grouped scan in a query of its
-- own, planned with the values bound: on Citus (docs/citus.md) each shard
-- counts its visitors and the coordinator adds the counts.
CREATE FUNCTION convert_internal.analysis_exposure(project_id bigint, experience_id bigint,
                                                   from_time timestamptz, to_time timestamptz)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    counts jsonb;
BEGIN
    SELECT jsonb_object_agg(c.variation_id::text, c.n) INTO counts
    FROM (SELECT vb.variation_id, count(*) AS n
          FROM convert.visitor_bucketing AS vb
          WHERE vb.project_id = analysis_exposure.project_id
            AND vb.experience_id = analysis_exposure.experience_id
            AND vb.bucketed_at >= from_time AND vb.bucketed_at < to_time
          GROUP BY vb.variation_id) AS c;
    RETURN coalesce(counts, '{}');
END
$$;

-- Whether convert.events is a Citus distributed table.  pg_dist_partition
-- exists only with Citus, hence the dynamic query behind the cheap check.
CREATE FUNCTION convert_internal.citus_tracking()
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    distributed boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                            WHERE logicalrelid = ''convert.events''::pg_catalog.regclass)'
        INTO distributed;
    RETURN distributed;
END
$$;

-- Distribute one table unless Citus already has it: by `key` (NULL: a
-- reference table), co-located with `colocate` ('none': a group of its own).
CREATE FUNCTION convert_internal.citus_distribute_table(tab regclass, key text, colocate text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    known boolean;
BEGIN
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
        INTO known USING tab;
    IF known THEN
        RETURN false;
    END IF;
    IF key IS NULL THEN
        EXECUTE 'SELECT create_reference_table($1)' USING tab;
    ELSE
        EXECUTE 'SELECT create_distributed_table($1, $2, colocate_with => $3)' USING tab, key, colocate;
    END IF;
    RETURN true;
END
$$;

-- Store a batch with statements Citus can route: track_store_events'
-- single statement, written per table.  The whole batch is parsed and
-- checked into a temporary table before the first write, and the caller's
-- transaction makes the writes on every worker one atomic unit.  Same
-- policies as track_store_events (duplicates, enrichData, segments).
CREATE FUNCTION convert_internal.track_store_events_citus(target_project bigint, visitors jsonb,
                                                          enrich boolean, batch_source text,
                                                          OUT stored integer, OUT total integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- Citus plans a statement with its values bound, not a generic plan
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    received timestamptz := now();
    visitor_ids text[];
    state jsonb;
    conv record;
BEGIN
    IF to_regclass('pg_temp.convert_track_batch') IS NULL THEN
        CREATE TEMPORARY TABLE convert_track_batch (
            ord bigint, vi integer, visitor_id text, event_type text, kind text,
            experience_id bigint, variation_id bigint, goal_id bigint, goal_data jsonb,
            bucketing_data jsonb, batch_bucketing jsonb, amount numeric, products_count numeric,
            transaction_id text, repeated boolean, segments jsonb, sent_digest bytea,
            sent_empty boolean, won boolean NOT NULL DEFAULT false
        ) ON COMMIT DELETE ROWS;
    END IF;
    TRUNCATE pg_temp.convert_track_batch;

    -- kind: b bucketing, g plain conversion, t transaction, r other revenue;
    -- an entry's segments (on its first row) go with each of its events
    INSERT INTO pg_temp.convert_track_batch
    SELECT p.ordinality, p.vi, p.visitor_id, p.event_type,
           CASE WHEN p.event_type = 'bucketing' THEN 'b'
                WHEN p.goal_data IS NULL THEN 'g'
                WHEN p.transaction_id IS NOT NULL THEN 't'
                ELSE 'r' END,
           p.experience_id, p.variation_id, p.goal_id, p.goal_data, p.bucketing_data,
           p.batch_bucketing, p.amount, p.products_count, p.transaction_id, p.repeated,
           p.entry_segments,
           sha256(convert_to(p.entry_segments::text, 'UTF8')), p.entry_segments = '{}'
    FROM (SELECT r.*, (array_agg(r.segments) FILTER (WHERE r.segments IS NOT NULL)
                           OVER (PARTITION BY r.vi))[1] AS entry_segments
          FROM convert_internal.track_parse(target_project, visitors, convert.track_max_visitors(),
                                            convert.track_max_events())
               WITH ORDINALITY AS r) AS p;
    SELECT count(*), array_agg(DISTINCT b.visitor_id) INTO total, visitor_ids
    FROM pg_temp.convert_track_batch AS b;

    INSERT INTO convert.segment_sets AS ss (digest, segments)
    SELECT DISTINCT ON (b.sent_digest) b.sent_digest, b.segments
    FROM pg_temp.convert_track_batch AS b
    WHERE b.segments IS NOT NULL
    ON CONFLICT (digest) DO NOTHING;

    -- each visitor's stored assignments (before this batch) and latest
    -- segments: one query, grouped on the shards by visitor
    SELECT jsonb_object_agg(s.visitor_id, jsonb_build_object('b', s.bucketing, 'd', encode(s.digest, 'hex')))
    INTO state
    FROM (SELECT vb.visitor_id,
                 jsonb_object_agg(vb.experience_id::text, vb.variation_id::text) AS bucketing,
                 (array_agg(vb.segments_digest ORDER BY vb.bucketed_at DESC)
                      FILTER (WHERE vb.segments_digest IS NOT NULL))[1] AS digest
          FROM convert.visitor_bucketing AS vb
          WHERE vb.project_id = target_project AND vb.visitor_id = ANY (visitor_ids)
          GROUP BY vb.visitor_id) AS s;
    state := coalesce(state, '{}');

    -- the first decision per experience wins
    INSERT INTO convert.visitor_bucketing AS vb
        (project_id, visitor_id, experience_id, variation_id, bucketed_at, segments_digest)
    SELECT DISTINCT ON (b.visitor_id, b.experience_id)
           target_project, b.visitor_id, b.experience_id, b.variation_id, received, b.sent_digest
    FROM pg_temp.convert_track_batch AS b
    WHERE b.kind = 'b' AND NOT b.repeated
    ORDER BY b.visitor_id, b.experience_id, b.ord
    ON CONFLICT (project_id, visitor_id, experience_id) DO NOTHING;

    -- plain conversions and transactions: one routed insert each (a batch
    -- has few); the ones that were new are stored as events
    FOR conv IN SELECT b.ord, b.kind, b.visitor_id, b.goal_id, b.transaction_id
             FROM pg_temp.convert_track_batch AS b
             WHERE b.kind IN ('g', 't') AND NOT b.repeated
             ORDER BY b.ord
    LOOP
        IF conv.kind = 'g' THEN
            INSERT INTO convert.visitor_goals (project_id, visitor_id, goal_id, converted_at)
            VALUES (target_project, conv.visitor_id, conv.goal_id, received)
            ON CONFLICT (project_id, visitor_id, goal_id) DO NOTHING;
        ELSE
            INSERT INTO convert.goal_transactions (project_id, goal_id, transaction_id, visitor_id, received_at)
            VALUES (target_project, conv.goal_id, conv.transaction_id, conv.visitor_id, received)
            ON CONFLICT (project_id, goal_id, transaction_id) DO NOTHING;
        END IF;
        IF FOUND THEN
            UPDATE pg_temp.convert_track_batch SET won = true WHERE ord = conv.ord;
        END IF;
    END LOOP;

    UPDATE pg_temp.convert_track_batch AS b SET won = true
    WHERE NOT b.repeated
      AND CASE b.kind
          WHEN 'b' THEN state -> b.visitor_id -> 'b' ->> b.experience_id::text
                        IS DISTINCT FROM b.variation_id::text
          WHEN 'r' THEN true
          ELSE false
          END;
    SELECT count(*) INTO stored FROM pg_temp.convert_track_batch AS b WHERE b.won;

    INSERT INTO convert.events
        (received_at, project_id, visitor_id, event_type, experience_id, variation_id, goal_id,
         amount, products_count, transaction_id, goal_data, bucketing, source,
         segments_digest, stored_segments_digest)
    SELECT received, target_project, b.visitor_id, b.event_type, b.experience_id, b.variation_id,
           b.goal_id, b.amount, b.products_count, b.transaction_id, b.goal_data,
           CASE WHEN b.event_type <> 'conversion' THEN NULL
                WHEN enrich THEN nullif(coalesce(state -> b.visitor_id -> 'b', '{}')
                                        || coalesce(b.batch_bucketing, '{}')
                                        || coalesce(b.bucketing_data, '{}'), '{}')
                ELSE b.bucketing_data END,
           batch_source,
           CASE WHEN enrich AND state -> b.visitor_id ->> 'd' IS NULL AND b.sent_empty THEN NULL
                ELSE b.sent_digest END,
           CASE WHEN enrich THEN decode(state -> b.visitor_id ->> 'd', 'hex') END
    FROM pg_temp.convert_track_batch AS b
    WHERE b.won
    ORDER BY b.ord;
END
$$;

-- Refuse DROP EXTENSION convert while Citus holds its tables: Citus would
-- leave their shards and copies on the workers.  citus_distribute()
-- creates the event trigger that calls this; citus_prepare_drop() drops it.
CREATE FUNCTION convert_internal.citus_drop_guard()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF current_query() ~* '\mdrop\s+extension\M.*\mconvert\M'
       AND cardinality(convert_internal.citus_tables()) > 0 THEN
        RAISE EXCEPTION 'tables of convert are distributed by Citus'
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = 'Dropping the extension now would leave their shards on the workers.',
                  HINT = 'Run SELECT convert.citus_prepare_drop(); first: it drops those tables '
                         'with their shards on every node (and what they hold).';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION convert_internal.analysis_exposure(bigint, bigint, timestamptz, timestamptz),
                       convert_internal.citus_tracking(),
                       convert_internal.citus_distribute_table(regclass, text, text),
                       convert_internal.track_store_events_citus(bigint, jsonb, boolean, text),
                       convert_internal.citus_drop_guard() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION convert_internal.analysis_exposure(bigint, bigint, timestamptz, timestamptz)
TO convert_analyst;

-- ---------------------------------------------------------------------------
-- Citus: analysis on the shards (sql/install/63_analysis_citus.sql; the
-- readouts' choice of it in 61_analysis_results.sql and 62_analysis_readouts.sql;
-- the analysts' grant as in 98_privileges.sql)
-- ---------------------------------------------------------------------------

-- Experiment analysis on Citus (docs/citus.md, "Analysis"): each worker
-- tallies its own visitors and the coordinator adds the sums.
--
-- A visitor's assignment and conversions live in one co-located pair of
-- shards of convert.visitor_bucketing and convert.events, and every total
-- of analysis_tally and analysis_moments is a sum over visitors.  So the
-- same C tally runs on each pair of shards (the *_shard functions), each
-- returns its few rows per variation and goal as one json array, and the
-- coordinator adds them up (the *_sum functions): per-visitor rows never
-- leave the workers.  Percentile outlier bounds need every order value at
-- once, so experience_results and experience_analysis keep the
-- coordinator's tally for them.

-- The rows of analysis_tally and analysis_moments, as the functions here
-- pass them on: from the shards, summed, and to the readouts.
CREATE TYPE convert_internal.tally_totals AS (
    variation_id bigint, goal_id bigint, converting_visitors bigint,
    conversions bigint, revenue numeric, products numeric, revenue_squares float8);
CREATE TYPE convert_internal.tally_moments AS (
    variation_id bigint, goal_id bigint, converting_visitors bigint,
    conversions bigint, revenue numeric, products numeric, revenue_squares float8,
    pre_visitors bigint, both_visitors bigint, pre_revenue float8,
    pre_revenue_squares float8, revenue_cross float8,
    orders bigint, orders_squares float8, products_squares float8,
    products_orders float8, dimension_value text);

-- analysis_tally over the given relations instead of the tracking tables:
-- on Citus one co-located pair of shards.  Not SECURITY DEFINER: the
-- scans read the relations as the caller.
CREATE FUNCTION convert_internal.analysis_tally_shard(exposures regclass, conversions regclass,
    project_id bigint, experience_id bigint, from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS SETOF convert_internal.tally_totals
AS 'MODULE_PATHNAME', 'convert_analysis_tally_shard'
-- as analysis_tally: its own (parallel) queries run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01;
REVOKE ALL ON FUNCTION convert_internal.analysis_tally_shard(regclass, regclass, bigint, bigint,
    timestamptz, timestamptz, numeric, numeric, boolean, numeric, numeric, boolean) FROM PUBLIC;

-- analysis_moments over the given relations: on Citus one co-located pair
-- of shards, and the shard of the reference table convert.segment_sets
-- (read with a dimension).
CREATE FUNCTION convert_internal.analysis_moments_shard(exposures regclass, conversions regclass,
    segments regclass, project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean,
    lookback interval, dimension text)
RETURNS SETOF convert_internal.tally_moments
AS 'MODULE_PATHNAME', 'convert_analysis_moments_shard'
-- as analysis_moments
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01
SET enable_nestloop = off;
REVOKE ALL ON FUNCTION convert_internal.analysis_moments_shard(regclass, regclass, regclass,
    bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean, numeric, numeric, boolean,
    interval, text) FROM PUBLIC;

-- The rows of analysis_tally_shard over several shards, each shard's as a
-- json array of its rows, added up per variation and goal: revenue and
-- products as numeric (exact), squared revenue as float8.
CREATE FUNCTION convert_internal.analysis_tally_sum(shard_rows text[])
RETURNS SETOF convert_internal.tally_totals
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.variation_id, t.goal_id, sum(t.converting_visitors)::bigint, sum(t.conversions)::bigint,
           sum(t.revenue), sum(t.products), sum(t.revenue_squares)
    FROM unnest(shard_rows) AS s(rows_json),
         json_populate_recordset(NULL::convert_internal.tally_totals, s.rows_json::json) AS t
    GROUP BY t.variation_id, t.goal_id
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_tally_sum(text[]) FROM PUBLIC;

-- The same for analysis_moments_shard: per variation, dimension value and goal.
CREATE FUNCTION convert_internal.analysis_moments_sum(shard_rows text[])
RETURNS SETOF convert_internal.tally_moments
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.variation_id, t.goal_id, sum(t.converting_visitors)::bigint, sum(t.conversions)::bigint,
           sum(t.revenue), sum(t.products), sum(t.revenue_squares),
           sum(t.pre_visitors)::bigint, sum(t.both_visitors)::bigint, sum(t.pre_revenue),
           sum(t.pre_revenue_squares), sum(t.revenue_cross),
           sum(t.orders)::bigint, sum(t.orders_squares), sum(t.products_squares),
           sum(t.products_orders), t.dimension_value
    FROM unnest(shard_rows) AS s(rows_json),
         json_populate_recordset(NULL::convert_internal.tally_moments, s.rows_json::json) AS t
    GROUP BY t.variation_id, t.dimension_value, t.goal_id
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_moments_sum(text[]) FROM PUBLIC;

-- Run a query on every co-located pair of shards of
-- convert.visitor_bucketing and convert.events, all at once, and return
-- each pair's one-value answer.  The query names the pair's shards as
-- %L and %L (in that order; any other % doubled), as
-- run_command_on_colocated_placements substitutes them.  The workers run
-- it in sessions of their own, as the caller, on committed data.  Only on
-- Citus.
CREATE FUNCTION convert_internal.analysis_on_shards(shard_query text)
RETURNS text[]
-- it opens connections to the workers
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    answers text[];
    shards bigint;
    failed_shard bigint;
    failure text;
BEGIN
    WITH placement AS MATERIALIZED (
        SELECT r.shardid1 AS shard, r.success, r.result
        FROM run_command_on_colocated_placements('convert.visitor_bucketing', 'convert.events',
                                                 shard_query) AS r
    ), answer AS (
        -- with more than one placement per shard, one answer per shard
        SELECT DISTINCT ON (pl.shard) pl.shard, pl.result FROM placement AS pl ORDER BY pl.shard
    )
    SELECT (SELECT array_agg(a.result ORDER BY a.shard) FROM answer AS a),
           (SELECT pl.shard FROM placement AS pl WHERE NOT pl.success ORDER BY pl.shard LIMIT 1),
           (SELECT pl.result FROM placement AS pl WHERE NOT pl.success ORDER BY pl.shard LIMIT 1)
    INTO answers, failed_shard, failure;
    IF failed_shard IS NOT NULL THEN
        -- the worker's error as Citus passes it on: "ERROR:  message",
        -- maybe followed by more lines
        failure := rtrim(left(failure, 2000), E'\n');
        RAISE EXCEPTION '%', regexp_replace(split_part(failure, E'\n', 1), '^ERROR:\s*', '')
            USING ERRCODE = 'external_routine_exception',
                  DETAIL = concat_ws(E'\n', nullif(substr(failure, length(split_part(failure, E'\n', 1)) + 2), ''),
                                     format('(On shard %s of convert.visitor_bucketing, on a Citus worker.)',
                                            failed_shard));
    END IF;
    SELECT count(*) INTO shards FROM pg_dist_shard AS s
    WHERE s.logicalrelid = 'convert.visitor_bucketing'::regclass;
    IF coalesce(cardinality(answers), 0) <> shards THEN
        RAISE EXCEPTION 'analysis reached % of the % shards of convert.visitor_bucketing',
                        coalesce(cardinality(answers), 0), shards
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Each shard needs a placement of both tables on one node (co-located).';
    END IF;
    RETURN answers;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_on_shards(text) FROM PUBLIC;

-- analysis_tally's rows (fixed bounds only) from the workers: each pair of
-- shards tallied by analysis_tally_shard, added up here.  Values enter the
-- workers' query only as literals: times as ISO 8601 (to_json), whatever
-- the sessions' DateStyle.
CREATE FUNCTION convert_internal.analysis_tally_citus(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, products_low numeric, products_high numeric)
RETURNS SETOF convert_internal.tally_totals
LANGUAGE sql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.*
    FROM convert_internal.analysis_tally_sum(convert_internal.analysis_on_shards(format(
        'SELECT coalesce(json_agg(t), ''[]'') FROM convert_internal.analysis_tally_shard('
        '%%L, %%L, %s::bigint, %s::bigint, %L::timestamptz, %L::timestamptz, '
        '%L::numeric, %L::numeric, false, %L::numeric, %L::numeric, false) AS t',
        project_id, experience_id, to_json(from_time) #>> '{}', to_json(to_time) #>> '{}',
        order_low, order_high, products_low, products_high))) AS t
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_tally_citus(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, numeric, numeric) FROM PUBLIC;

-- analysis_moments' rows (fixed bounds only) from the workers, the same
-- way; with a dimension the workers read their copy of the reference
-- table convert.segment_sets.
CREATE FUNCTION convert_internal.analysis_moments_citus(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, products_low numeric, products_high numeric,
    lookback interval, dimension text)
RETURNS SETOF convert_internal.tally_moments
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
-- the lookback as a literal the workers read back the same
SET IntervalStyle = postgres
AS $$
DECLARE
    segments text;
BEGIN
    SELECT shard_name(s.logicalrelid, s.shardid) INTO segments
    FROM pg_dist_shard AS s WHERE s.logicalrelid = 'convert.segment_sets'::regclass;
    IF segments IS NULL THEN
        RAISE EXCEPTION 'convert.segment_sets is not a Citus reference table'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run SELECT convert.citus_distribute(); it distributes what is left.';
    END IF;
    RETURN QUERY
    SELECT t.*
    FROM convert_internal.analysis_moments_sum(convert_internal.analysis_on_shards(format(
        'SELECT coalesce(json_agg(t), ''[]'') FROM convert_internal.analysis_moments_shard('
        '%%L, %%L, %L, %s::bigint, %s::bigint, %L::timestamptz, %L::timestamptz, '
        '%L::numeric, %L::numeric, false, %L::numeric, %L::numeric, false, %L::interval, %L) AS t',
        replace(segments, '%', '%%'), project_id, experience_id,
        to_json(from_time) #>> '{}', to_json(to_time) #>> '{}',
        order_low, order_high, products_low, products_high, lookback,
        replace(dimension, '%', '%%')))) AS t;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_moments_citus(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, numeric, numeric, interval, text) FROM PUBLIC;

-- The tally an experience's readouts use, with analysis_tally's arguments
-- and rows: on the workers when the tracking tables are distributed and no
-- outlier bound is a percentile (a percentile needs every order value at
-- once), else analysis_tally here.
CREATE FUNCTION convert_internal.experience_tally(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS SETOF convert_internal.tally_totals
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF coalesce(order_percentiles OR products_percentiles, false)
       OR NOT convert_internal.citus_tracking() THEN
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_tally(
            experience_tally.project_id, experience_tally.experience_id, from_time, to_time,
            order_low, order_high, order_percentiles,
            products_low, products_high, products_percentiles) AS t;
    ELSE
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_tally_citus(
            experience_tally.project_id, experience_tally.experience_id, from_time, to_time,
            order_low, order_high, products_low, products_high) AS t;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.experience_tally(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, boolean, numeric, numeric, boolean) FROM PUBLIC;

-- The same choice for analysis_moments, with its arguments and rows.
CREATE FUNCTION convert_internal.experience_moments(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean,
    lookback interval, dimension text)
RETURNS SETOF convert_internal.tally_moments
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF coalesce(order_percentiles OR products_percentiles, false)
       OR NOT convert_internal.citus_tracking() THEN
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_moments(
            experience_moments.project_id, experience_moments.experience_id, from_time, to_time,
            order_low, order_high, order_percentiles,
            products_low, products_high, products_percentiles, lookback, dimension) AS t;
    ELSE
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_moments_citus(
            experience_moments.project_id, experience_moments.experience_id, from_time, to_time,
            order_low, order_high, products_low, products_high, lookback, dimension) AS t;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.experience_moments(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, boolean, numeric, numeric, boolean, interval, text) FROM PUBLIC;

-- Analysis on Citus (63_analysis_citus): what experience_results and
-- experience_analysis call to choose it and there, as their caller (the workers run the
-- shard functions as the caller too).
GRANT EXECUTE ON FUNCTION
    convert_internal.citus_tracking(),
    convert_internal.analysis_tally_shard(regclass, regclass, bigint, bigint, timestamptz, timestamptz,
                                          numeric, numeric, boolean, numeric, numeric, boolean),
    convert_internal.analysis_moments_shard(regclass, regclass, regclass, bigint, bigint,
                                            timestamptz, timestamptz, numeric, numeric, boolean,
                                            numeric, numeric, boolean, interval, text),
    convert_internal.analysis_tally_sum(text[]),
    convert_internal.analysis_moments_sum(text[]),
    convert_internal.analysis_on_shards(text),
    convert_internal.analysis_tally_citus(bigint, bigint, timestamptz, timestamptz,
                                          numeric, numeric, numeric, numeric),
    convert_internal.analysis_moments_citus(bigint, bigint, timestamptz, timestamptz,
                                            numeric, numeric, numeric, numeric, interval, text),
    convert_internal.experience_tally(bigint, bigint, timestamptz, timestamptz,
                                      numeric, numeric, boolean, numeric, numeric, boolean),
    convert_internal.experience_moments(bigint, bigint, timestamptz, timestamptz, numeric, numeric,
                                        boolean, numeric, numeric, boolean, interval, text)
TO convert_analyst;

-- ---------------------------------------------------------------------------
-- Citus: the project model as reference tables (sql/install/57_model_citus.sql)
-- ---------------------------------------------------------------------------
-- The model's triggers act on the coordinator's copy only; the SQL
-- functions that read the model with parameters are PL/pgSQL now (Citus
-- cannot plan a parameterised SQL function over its tables); rules of an
-- imported config compile without an exception block (a subtransaction per
-- row, which Citus cannot open while it streams rows to the workers).

-- Whether a trigger fired on a worker's copy of a model table.  On Citus
-- (docs/citus.md) the model tables are reference tables: a change runs on
-- every node's placement (named after its table with the shard id
-- appended), and so do the model's triggers; only the coordinator, which
-- keeps the config cache, acts on them.
CREATE FUNCTION convert_internal.fired_on_citus_worker(table_name name)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    on_worker boolean;
BEGIN
    IF table_name !~ '_[0-9]+$' OR NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN false;
    END IF;
    -- the coordinator's group is 0; pg_dist_local_group exists only with Citus
    EXECUTE 'SELECT groupid <> 0 FROM pg_catalog.pg_dist_local_group' INTO STRICT on_worker;
    RETURN on_worker;
END
$$;

REVOKE ALL ON FUNCTION convert_internal.fired_on_citus_worker(name) FROM PUBLIC;

-- SECURITY DEFINER: whoever may write variations may run the check's
-- helpers.
CREATE OR REPLACE FUNCTION convert_internal.check_traffic_allocation()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    total pg_catalog.numeric;
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    SELECT sum(v.traffic_allocation) INTO total
    FROM convert.variations v
    WHERE v.project_id = NEW.project_id AND v.experience_id = NEW.experience_id;
    IF total > 100 THEN
        RAISE EXCEPTION 'traffic allocations of experience % add up to more than 100', NEW.experience_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The variations of experience %s in project %s add up to %s percent.',
                                  NEW.experience_id, NEW.project_id, total),
                  HINT = 'traffic_allocation is a percentage of the experience''s traffic.';
    END IF;
    RETURN NULL;
END
$$;

-- Statement-level marking (transition tables): one insert per statement,
-- however many rows it touched.  TG_ARGV[0] names the project id column.
CREATE OR REPLACE FUNCTION convert_internal.config_mark_dirty()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO convert.config_dirty (project_id)
                        SELECT DISTINCT %I FROM new_rows ON CONFLICT DO NOTHING', TG_ARGV[0]);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE format('INSERT INTO convert.config_dirty (project_id)
                        SELECT DISTINCT %I FROM old_rows ON CONFLICT DO NOTHING', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION convert_internal.config_mark_all_dirty()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF convert_internal.fired_on_citus_worker(TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    INSERT INTO convert.config_dirty (project_id)
    SELECT p.id FROM convert.projects p ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- project: with an environment, its global JavaScript is appended to the
-- project's after a newline.
CREATE OR REPLACE FUNCTION convert_internal.project_document(project_id bigint, environment text)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT p.extra
               || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                      'id', p.id::text, 'name', p.name, 'type', p.type, 'utc_offset', p.utc_offset,
                      'global_javascript', (
                          SELECT CASE WHEN pe.global_javascript IS NULL THEN p.global_javascript
                                      ELSE pg_catalog.concat_ws(E'\n', p.global_javascript, pe.global_javascript)
                                 END
                          FROM (SELECT NULL) AS one
                          LEFT JOIN convert.project_environments pe
                                 ON pe.project_id = p.id AND pe.name = project_document.environment),
                      'settings', p.settings
                                  || convert_internal.jsonb_without_nulls(pg_catalog.jsonb_build_object(
                                         'integrations', p.integrations, 'outliers', p.outliers))
                                  || CASE WHEN p.tracking_script IS NULL THEN '{}'::jsonb
                                          ELSE pg_catalog.jsonb_build_object('tracking_script', p.tracking_script)
                                     END,
                      'environments', (
                          SELECT pg_catalog.jsonb_object_agg(pe.name, convert_internal.jsonb_without_nulls(
                                     pg_catalog.jsonb_build_object('label', pe.label,
                                                                   'is_default', pe.is_default)))
                          FROM convert.project_environments pe
                          WHERE pe.project_id = p.id)))
        FROM convert.projects p
        WHERE p.id = project_document.project_id);
END
$$;

-- Ids for archived_experiences: the recorded ones, then completed or
-- archived experiences that are not recorded.
CREATE OR REPLACE FUNCTION convert_internal.archived_experience_ids(project_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT coalesce(pg_catalog.jsonb_agg(a.id::text ORDER BY a.source, a.position, a.id), '[]'::jsonb)
        FROM (SELECT ae.experience_id AS id, 0 AS source, ae.position
              FROM convert.archived_experiences ae
              WHERE ae.project_id = archived_experience_ids.project_id
              UNION ALL
              SELECT e.id, 1, e.position
              FROM convert.experiences e
              WHERE e.project_id = archived_experience_ids.project_id
                AND e.status IN ('completed', 'archived')
                AND NOT EXISTS (SELECT FROM convert.archived_experiences ae
                                WHERE ae.project_id = e.project_id AND ae.experience_id = e.id)) AS a);
END
$$;

-- The whole document, rendered from the tables (no cache, no access check).
-- Live: active experiences; debug: also draft and paused ones.
CREATE OR REPLACE FUNCTION convert_internal.render_config(project_id bigint, environment text, debug boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT pg_catalog.jsonb_build_object(
            'account_id', p.account_id::text,
            'project', convert_internal.project_document(p.id, render_config.environment),
            'goals', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                      FROM convert.goal_documents d WHERE d.project_id = p.id),
            'locations', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                          FROM convert.location_documents d WHERE d.project_id = p.id),
            'audiences', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                          FROM convert.audience_documents d WHERE d.project_id = p.id),
            'segments', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                         FROM convert.segment_documents d WHERE d.project_id = p.id),
            'experiences', (
                SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                FROM convert.experience_documents d
                WHERE d.project_id = p.id
                  AND (d.status = 'active' OR (render_config.debug AND d.status IN ('draft', 'paused')))
                  AND convert_internal.experience_in_environment(render_config.environment, d.environment,
                                                        d.environments)),
            'archived_experiences', convert_internal.archived_experience_ids(p.id),
            'features', (SELECT coalesce(pg_catalog.jsonb_agg(d.doc ORDER BY d.position, d.id), '[]'::jsonb)
                         FROM convert.feature_documents d WHERE d.project_id = p.id),
            'is_debug', render_config.debug)
        FROM convert.projects p
        WHERE p.id = render_config.project_id);
END
$$;

-- Environments a project can be asked for that render differently.
CREATE OR REPLACE FUNCTION convert_internal.config_cache_environments(project_id bigint)
RETURNS SETOF text
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT '' UNION SELECT '*'
        UNION SELECT pe.name FROM convert.project_environments pe
              WHERE pe.project_id = config_cache_environments.project_id
        UNION SELECT e.environment FROM convert.experiences e
              WHERE e.project_id = config_cache_environments.project_id AND e.environment IS NOT NULL
        UNION SELECT pg_catalog.unnest(e.environments) FROM convert.experiences e
              WHERE e.project_id = config_cache_environments.project_id;
END
$$;

-- Rules are checked by convert.rules' own input; its complaint is passed on
-- with the path of the rules in the document.
CREATE OR REPLACE FUNCTION convert_internal.import_rules(value jsonb, path text)
RETURNS convert.rules
AS 'MODULE_PATHNAME', 'convert_import_rules'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION convert_internal.import_goals(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.goals g
    WHERE g.project_id = pid
      AND g.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'goals') e);
    INSERT INTO convert.goals AS g (project_id, id, key, name, type, settings, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(e.v -> 'type', e.path || '.type'),
           convert_internal.import_object(e.v -> 'settings', e.path || '.settings'),
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'type', 'settings', 'rules']
    FROM convert_internal.import_elements(doc, 'goals') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, settings = EXCLUDED.settings,
            rules = EXCLUDED.rules, position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

CREATE OR REPLACE FUNCTION convert_internal.import_locations(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.locations l
    WHERE l.project_id = pid
      AND l.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'locations') e);
    INSERT INTO convert.locations AS l (project_id, id, key, name, trigger_type, trigger_settings, rules,
                                        position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(t.trigger -> 'type', e.path || '.trigger.type'),
           coalesce(t.trigger - 'type', '{}'),
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'trigger', 'rules']
    FROM convert_internal.import_elements(doc, 'locations') e,
         LATERAL (SELECT convert_internal.import_object(e.v -> 'trigger', e.path || '.trigger') AS trigger) t
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, trigger_type = EXCLUDED.trigger_type,
            trigger_settings = EXCLUDED.trigger_settings, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

CREATE OR REPLACE FUNCTION convert_internal.import_audiences(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.audiences a
    WHERE a.project_id = pid
      AND a.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'audiences') e);
    INSERT INTO convert.audiences AS a (project_id, id, key, name, type, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(e.v -> 'type', e.path || '.type'),
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'type', 'rules']
    FROM convert_internal.import_elements(doc, 'audiences') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

CREATE OR REPLACE FUNCTION convert_internal.import_segments(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.segments s
    WHERE s.project_id = pid
      AND s.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'segments') e);
    INSERT INTO convert.segments AS s (project_id, id, key, name, rules, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_rules(e.v -> 'rules', e.path || '.rules'),
           e.pos, e.v - ARRAY['id', 'key', 'name', 'rules']
    FROM convert_internal.import_elements(doc, 'segments') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, rules = EXCLUDED.rules,
            position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

-- Features and their variables (variables are replaced wholesale).
CREATE OR REPLACE FUNCTION convert_internal.import_features(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.feature_variables fv WHERE fv.project_id = pid;
    DELETE FROM convert.features f
    WHERE f.project_id = pid
      AND f.id NOT IN (SELECT e.id FROM convert_internal.import_elements(doc, 'features') e);
    INSERT INTO convert.features AS f (project_id, id, key, name, position, extra)
    SELECT pid, e.id, e.key, e.name,
           e.pos, e.v - ARRAY['id', 'key', 'name', 'variables']
    FROM convert_internal.import_elements(doc, 'features') e
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, position = EXCLUDED.position, extra = EXCLUDED.extra;
    INSERT INTO convert.feature_variables (project_id, feature_id, key, type, position, extra)
    SELECT pid, e.id,
           convert_internal.import_text(var.v -> 'key', format('%s.variables[%s].key', e.path, var.n - 1)),
           convert_internal.import_text(var.v -> 'type', format('%s.variables[%s].type', e.path, var.n - 1)),
           var.n - 1, var.v - ARRAY['key', 'type']
    FROM convert_internal.import_elements(doc, 'features') e,
         jsonb_array_elements(convert_internal.import_array(e.v -> 'variables', e.path || '.variables'))
             WITH ORDINALITY AS var(v, n);
END
$$;

CREATE OR REPLACE FUNCTION convert_internal.import_experiences(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO convert.experiences AS x (project_id, id, key, name, type, status, version, environment,
                                          environments, site_area, matching_audiences, matching_locations,
                                          settings, integrations, global_js, global_css, position, extra)
    SELECT pid, e.id, e.key, e.name,
           convert_internal.import_text(e.v -> 'type', e.path || '.type'),
           coalesce(convert_internal.import_text(e.v -> 'status', e.path || '.status'), 'active'),
           convert_internal.import_number(e.v -> 'version', e.path || '.version'),
           convert_internal.import_text(e.v -> 'environment', e.path || '.environment'),
           convert_internal.import_text_array(e.v -> 'environments', e.path || '.environments'),
           convert_internal.import_rules(e.v -> 'site_area', e.path || '.site_area'),
           convert_internal.import_text(s.settings #> '{matching_options,audiences}',
                               e.path || '.settings.matching_options.audiences'),
           convert_internal.import_text(s.settings #> '{matching_options,locations}',
                               e.path || '.settings.matching_options.locations'),
           convert_internal.import_experience_settings(s.settings),
           CASE WHEN jsonb_typeof(e.v -> 'integrations') = 'array' THEN e.v -> 'integrations'
                WHEN coalesce(jsonb_typeof(e.v -> 'integrations'), 'null') = 'null' THEN NULL
                ELSE convert_internal.import_array(e.v -> 'integrations', e.path || '.integrations') END,
           convert_internal.import_text(e.v -> 'global_js', e.path || '.global_js'),
           convert_internal.import_text(e.v -> 'global_css', e.path || '.global_css'),
           e.pos,
           e.v - ARRAY['id', 'key', 'name', 'type', 'status', 'version', 'environment', 'environments',
                       'site_area', 'settings', 'integrations', 'global_js', 'global_css', 'locations',
                       'audiences', 'goals', 'variations']
    FROM convert_internal.import_elements(doc, 'experiences') e,
         LATERAL (SELECT convert_internal.import_object(e.v -> 'settings', e.path || '.settings') AS settings) s
    ON CONFLICT (project_id, id) DO UPDATE
        SET key = EXCLUDED.key, name = EXCLUDED.name, type = EXCLUDED.type, status = EXCLUDED.status,
            version = EXCLUDED.version, environment = EXCLUDED.environment,
            environments = EXCLUDED.environments, site_area = EXCLUDED.site_area,
            matching_audiences = EXCLUDED.matching_audiences,
            matching_locations = EXCLUDED.matching_locations, settings = EXCLUDED.settings,
            integrations = EXCLUDED.integrations, global_js = EXCLUDED.global_js,
            global_css = EXCLUDED.global_css, position = EXCLUDED.position, extra = EXCLUDED.extra;
END
$$;

-- Variations are upserted by id (tracking may refer to them); variations
-- without an id never conflict and are inserted afresh.  Positions are
-- first moved out of the way; what keeps a negative one was not listed.
CREATE OR REPLACE FUNCTION convert_internal.import_variations(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    UPDATE convert.variations v SET position = -1 - v.position WHERE v.project_id = pid;
    INSERT INTO convert.variations AS v (project_id, experience_id, position, id, key, name, status,
                                         traffic_allocation, extra)
    SELECT pid, e.id, var.n - 1,
           convert_internal.import_id(var.v -> 'id', p.path || '.id', false),
           convert_internal.import_text(var.v -> 'key', p.path || '.key'),
           convert_internal.import_text(var.v -> 'name', p.path || '.name'),
           convert_internal.import_text(var.v -> 'status', p.path || '.status'),
           convert_internal.import_number(var.v -> 'traffic_allocation', p.path || '.traffic_allocation'),
           convert_internal.import_object(var.v, p.path)
               - ARRAY['id', 'key', 'name', 'status', 'traffic_allocation', 'changes']
    FROM convert_internal.import_elements(doc, 'experiences') e,
         jsonb_array_elements(convert_internal.import_array(e.v -> 'variations', e.path || '.variations'))
             WITH ORDINALITY AS var(v, n),
         LATERAL (SELECT format('%s.variations[%s]', e.path, var.n - 1) AS path) p
    ON CONFLICT (project_id, id) DO UPDATE
        SET experience_id = EXCLUDED.experience_id, position = EXCLUDED.position, key = EXCLUDED.key,
            name = EXCLUDED.name, status = EXCLUDED.status,
            traffic_allocation = EXCLUDED.traffic_allocation, extra = EXCLUDED.extra;
    DELETE FROM convert.variations v WHERE v.project_id = pid AND v.position < 0;
END
$$;

CREATE OR REPLACE FUNCTION convert_internal.import_archived(pid bigint, doc jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, convert, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM convert.archived_experiences a
    WHERE a.project_id = pid
      AND a.experience_id NOT IN (
          SELECT convert_internal.import_id(t.v, 'archived_experiences')
          FROM jsonb_array_elements(convert_internal.import_array(doc -> 'archived_experiences',
                                                         'archived_experiences')) AS t(v));
    INSERT INTO convert.archived_experiences AS a (project_id, experience_id, position)
    SELECT pid, convert_internal.import_id(t.v, format('archived_experiences[%s]', t.n - 1)), min(t.n) - 1
    FROM jsonb_array_elements(convert_internal.import_array(doc -> 'archived_experiences', 'archived_experiences'))
         WITH ORDINALITY AS t(v, n)
    GROUP BY 2
    ON CONFLICT (project_id, experience_id) DO UPDATE SET position = EXCLUDED.position;
END
$$;

-- The model tables, each after the tables it refers to.
CREATE FUNCTION convert_internal.model_tables()
RETURNS regclass[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT ARRAY['convert.accounts', 'convert.projects', 'convert.project_environments',
                 'convert.sdk_keys', 'convert.goals', 'convert.locations', 'convert.audiences',
                 'convert.segments', 'convert.features', 'convert.feature_variables',
                 'convert.experiences', 'convert.experience_locations', 'convert.experience_audiences',
                 'convert.experience_goals', 'convert.variations', 'convert.variation_changes',
                 'convert.archived_experiences', 'convert.debug_tokens']::pg_catalog.regclass[]
$$;

-- A table's name with its schema, as workers read it whatever their
-- search_path.
CREATE FUNCTION convert_internal.qualified_name(tab regclass)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT format('%I.%I', n.nspname, c.relname)
    FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.oid = tab
$$;

-- Run one statement on every worker, through Citus' own connections (so
-- outside this transaction: it must be safe to run again).
CREATE FUNCTION convert_internal.citus_run_on_workers(command text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    failure text;
BEGIN
    EXECUTE 'SELECT r.nodename || '':'' || r.nodeport || '': '' || r.result
             FROM run_command_on_workers($1) AS r WHERE NOT r.success LIMIT 1'
        INTO failure USING command;
    IF failure IS NOT NULL THEN
        RAISE EXCEPTION 'a Citus worker refused a statement'
            USING ERRCODE = 'external_routine_exception',
                  DETAIL = format('%s failed on %s', command, failure);
    END IF;
END
$$;

-- Make the model tables reference tables; returns the ones made now.
-- Citus distributes a table only when no foreign key ties it to a table it
-- does not know, and it copies the rows into every placement, which would
-- leave the deferred traffic check pending (then no key can be added in
-- this transaction).  So the model's foreign keys and constraint triggers
-- are dropped on every node, the tables distributed, and the keys and
-- triggers created again, now by Citus on every copy.  The config cache's
-- key to projects is not created again: the cache stays on the coordinator,
-- and refresh_config_cache clears a deleted project's entries itself.
CREATE FUNCTION convert_internal.citus_distribute_model()
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
-- not Citus' notices per table about the copy left on the coordinator's
-- disk: the model is small
SET client_min_messages = warning
AS $$
DECLARE
    model constant regclass[] := convert_internal.model_tables();
    pending regclass[];
    coordinator_listed boolean;
    -- the keys and constraint triggers: kind 'f' or 't', table, name,
    -- definition, and whether to create it again
    kinds text[];
    tabs text[];
    names name[];
    defs text[];
    again boolean[];
    tab regclass;
    done text[] := '{}';
BEGIN
    EXECUTE 'SELECT array_agg(m.tab ORDER BY m.n) FROM unnest($1) WITH ORDINALITY AS m(tab, n)
             WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = m.tab)'
        INTO pending USING model;
    IF pending IS NULL THEN
        RETURN done;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_node WHERE groupid = 0)' INTO coordinator_listed;
    IF NOT coordinator_listed THEN
        RAISE EXCEPTION 'the Citus coordinator is not in its own node list'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The project model becomes reference tables, and the coordinator must hold '
                           'a copy: it keeps the config cache.',
                  HINT = 'Run SELECT citus_set_coordinator_host(''<coordinator host>'', <port>); first.';
    END IF;
    -- the model's own triggers, made safe for Citus by fired_on_citus_worker
    PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);

    SELECT array_agg(k.kind ORDER BY k.kind, k.tab, k.name), array_agg(k.tab ORDER BY k.kind, k.tab, k.name),
           array_agg(k.name ORDER BY k.kind, k.tab, k.name), array_agg(k.def ORDER BY k.kind, k.tab, k.name),
           array_agg(k.again ORDER BY k.kind, k.tab, k.name)
    INTO kinds, tabs, names, defs, again
    FROM (SELECT 'f' AS kind, convert_internal.qualified_name(c.conrelid) AS tab, c.conname AS name,
                 pg_get_constraintdef(c.oid) AS def, c.conrelid = ANY (model) AS again
          FROM pg_catalog.pg_constraint AS c
          WHERE c.contype = 'f' AND (c.conrelid = ANY (model) OR c.confrelid = ANY (model))
          UNION ALL
          SELECT 't', convert_internal.qualified_name(t.tgrelid), t.tgname, pg_get_triggerdef(t.oid), true
          FROM pg_catalog.pg_trigger AS t
          WHERE t.tgconstraint <> 0 AND NOT t.tgisinternal AND t.tgrelid = ANY (model)) AS k;
    FOR i IN 1 .. coalesce(cardinality(kinds), 0) LOOP
        IF kinds[i] = 'f' THEN
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tabs[i], names[i]);
            PERFORM convert_internal.citus_run_on_workers(
                format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tabs[i], names[i]));
        ELSE
            EXECUTE format('DROP TRIGGER %I ON %s', names[i], tabs[i]);
            PERFORM convert_internal.citus_run_on_workers(
                format('DROP TRIGGER IF EXISTS %I ON %s', names[i], tabs[i]));
        END IF;
    END LOOP;

    FOREACH tab IN ARRAY pending LOOP
        PERFORM convert_internal.citus_distribute_table(tab, NULL, NULL);
        done := done || convert_internal.qualified_name(tab);
    END LOOP;

    FOR i IN 1 .. coalesce(cardinality(kinds), 0) LOOP
        CONTINUE WHEN NOT again[i];
        IF kinds[i] = 'f' THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', tabs[i], names[i], defs[i]);
        ELSE
            EXECUTE defs[i];
        END IF;
    END LOOP;
    RETURN done;
END
$$;

REVOKE ALL ON FUNCTION convert_internal.model_tables(),
                       convert_internal.qualified_name(regclass),
                       convert_internal.citus_run_on_workers(text),
                       convert_internal.citus_distribute_model() FROM PUBLIC;

-- The extension's tables that Citus knows (distributed or reference; not
-- the partitions of convert.events, which go with it), in the order to
-- drop them.
CREATE FUNCTION convert_internal.citus_tables()
RETURNS regclass[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    tables regclass[];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RETURN '{}';
    END IF;
    EXECUTE 'SELECT array_agg(p.logicalrelid ORDER BY p.logicalrelid)
             FROM pg_catalog.pg_dist_partition AS p
             JOIN pg_catalog.pg_class AS c ON c.oid = p.logicalrelid
             WHERE c.relnamespace = ''convert''::pg_catalog.regnamespace AND NOT c.relispartition'
        INTO tables;
    RETURN coalesce(tables, '{}');
END
$$;

REVOKE ALL ON FUNCTION convert_internal.citus_tables() FROM PUBLIC;

-- The config cache of a deleted project is cleared by refresh_config_cache
-- (above) rather than by a foreign key on Citus; on a single server the key
-- stays.

-- Rows identified whole where a table has no key (sql/install/30_model.sql,
-- 50_tracking_tables.sql): logical replication and Citus moving shards or
-- copying the model to a new node need a replica identity.  Partitions
-- made from now on get it when created; those 0.1.0 made get it here.
ALTER TABLE convert.experience_audiences REPLICA IDENTITY FULL;
ALTER TABLE convert.events REPLICA IDENTITY FULL;

-- The partition for `day` with the indexes analysis filters on.
CREATE OR REPLACE FUNCTION convert_internal.create_event_partition(day date)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    part text := convert_internal.event_partition_name(day);
BEGIN
    EXECUTE format('CREATE TABLE convert.%I PARTITION OF convert.events FOR VALUES FROM (%L) TO (%L)',
                   part, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
    EXECUTE format('ALTER TABLE convert.%I REPLICA IDENTITY FULL', part);
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, visitor_id)',
                   part || '_visitor', part);
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, experience_id, variation_id)'
                   ' WHERE event_type = %L', part || '_experience', part, 'bucketing');
    EXECUTE format('CREATE INDEX %I ON convert.%I (project_id, goal_id) WHERE event_type = %L',
                   part || '_goal', part, 'conversion');
END
$$;

DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT h.inhrelid::regclass FROM pg_catalog.pg_inherits AS h
                WHERE h.inhparent = 'convert.events'::pg_catalog.regclass
    LOOP
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', part);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Last: nothing created above is executable by PUBLIC (98_privileges.sql)
-- ---------------------------------------------------------------------------

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA convert, convert_internal, convert_rest FROM PUBLIC;
