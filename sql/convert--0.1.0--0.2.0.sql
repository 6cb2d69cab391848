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

