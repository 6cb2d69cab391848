-- Privileges, in one place.  Every function of the extension is closed to
-- PUBLIC, whichever part of the script created it, and each role gets
-- exactly what docs/security.md lists; test/security/privileges_test.sh
-- compares the two.  The roles of the API (convert_api, convert_web_anon,
-- convert_authenticator) are set up with their functions (39_config_grants,
-- 79_rest_grants); this part adds the analysts' role.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA convert, convert_internal, convert_rest FROM PUBLIC;

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

GRANT USAGE ON SCHEMA convert, convert_internal TO convert_analyst;

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
    convert_internal.analysis_experience(bigint, text),
    convert_internal.analysis_arms(bigint, bigint),
    convert_internal.analysis_exposure(bigint, bigint, timestamptz, timestamptz),
    convert_internal.outlier_bounds(jsonb, numeric, numeric),
    convert_internal.analysis_tally(bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean,
                           numeric, numeric, boolean)
TO convert_analyst;
-- experiment analysis's read-outs (60_analysis_stats, 62_analysis_readouts)
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
    convert_internal.analysis_moments(bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean,
                             numeric, numeric, boolean, interval, text),
    convert.cuped_moments(bigint, float8, float8, float8, float8, float8,
                          bigint, float8, float8, float8, float8),
    convert_internal.analysis_daily(bigint, bigint, timestamptz, timestamptz)
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

-- The per-group moments of a metric (convert.metric_moments).
GRANT EXECUTE ON FUNCTION convert.metric_moments(float8, float8), convert.metric_moments(float8)
TO convert_analyst;

-- Tracking's segments, stored once per distinct object (50_tracking_tables),
-- and the source limit (52_tracking_limits).
GRANT EXECUTE ON FUNCTION convert.track_max_source_bytes() TO convert_analyst;
GRANT SELECT ON convert.segment_sets, convert.events_with_segments,
                convert.visitor_bucketing_with_segments TO convert_analyst;

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
