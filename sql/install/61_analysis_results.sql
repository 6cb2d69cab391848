-- Experiment analysis, part 2: results per variation and goal, and the
-- sample-ratio-mismatch check, over convert.visitor_bucketing (who was
-- exposed to which variation, first assignment) and convert.events
-- (conversions, with goal data).

-- The experience, checked: its id as stored, or an error naming the problem.
CREATE FUNCTION convert_internal.analysis_experience(project_id bigint, experience_id text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    IF experience_id !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'invalid experience id "%"', experience_id
            USING ERRCODE = 'invalid_text_representation',
                  HINT = 'Experience ids are the numeric ids of the config, e.g. ''100349071''.';
    END IF;
    SELECT e.id INTO id FROM convert.experiences AS e
    WHERE e.project_id = analysis_experience.project_id AND e.id = experience_id::bigint;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'experience % not found in project %', experience_id, project_id
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN id;
END $$;

-- Revenue outlier bounds of the project (docs/analysis.md: outliers.order_value
-- / outliers.products_ordered_count, or the deprecated min/max_order_value):
-- a NumericOutlier setting -> [low, high], as values or, when percentile,
-- as percentiles (0..100) of the order values analysed.
CREATE FUNCTION convert_internal.outlier_bounds(setting jsonb, legacy_min numeric, legacy_max numeric,
                                       OUT low numeric, OUT high numeric, OUT percentile boolean)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN setting->>'detection_type' IN ('min_max', 'percentile')
                THEN (setting->>'min')::numeric
                WHEN setting->>'detection_type' = 'none' THEN NULL
                ELSE legacy_min END,
           CASE WHEN setting->>'detection_type' IN ('min_max', 'percentile')
                THEN (setting->>'max')::numeric
                WHEN setting->>'detection_type' = 'none' THEN NULL
                ELSE legacy_max END,
           coalesce(setting->>'detection_type' = 'percentile', false)
$$;

-- An experience's conversions grouped by visitor in one pass (C, over
-- convert.visitor_bucketing and convert.events): per variation and goal
-- with converting visitors, the converting visitors, conversions, revenue
-- and products within the bounds, and the sum over visitors of their
-- squared revenue.  A conversion counts when received at or after the
-- visitor's exposure; both lie in [from_time, to_time) (NULL: open).
-- Order values count within [order_low, order_high], product counts within
-- [products_low, products_high]; a NULL bound is open, and with
-- *_percentiles the bounds are percentiles (0..100, percentile_disc) of
-- the order values or product counts counted.
CREATE FUNCTION convert_internal.analysis_tally(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS TABLE (variation_id bigint, goal_id bigint, converting_visitors bigint,
               conversions bigint, revenue numeric, products numeric, revenue_squares float8)
AS 'MODULE_PATHNAME', 'convert_analysis_tally'
-- it runs its own (parallel) queries, so it must run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
-- The tally reads every row its scans return, so a parallel scan pays
-- even though each row crosses a queue to the leader: workers take over
-- the reading, filtering and numeric-to-text work.
SET parallel_tuple_cost = 0.01;

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
REVOKE ALL ON FUNCTION convert_internal.analysis_exposure(bigint, bigint, timestamptz, timestamptz) FROM PUBLIC;

-- One row per variation and goal of an experience: exposure, conversions,
-- revenue, and each variation against the original (the first variation):
-- conversion rate by the two-proportion z-test, revenue per visitor by
-- Welch's t-test over per-visitor revenue (0 for visitors without orders).
-- A conversion counts when it is received at or after the visitor's
-- exposure; both are limited to [from_time, to_time).
CREATE FUNCTION convert.experience_results(project_id bigint, experience_id text,
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
CREATE FUNCTION convert_internal.analysis_arms(project_id bigint, experience_id bigint)
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
CREATE FUNCTION convert.srm_check(project_id bigint, experience_id text,
                                  threshold float8 DEFAULT 0.001)
RETURNS TABLE (variation_id text, observed bigint, allocation numeric, expected float8,
               chi_square float8, p_value float8, mismatch boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    WITH arms AS (
        SELECT a.id, a.arm_position, a.weight,
               coalesce((x.counts ->> a.id::text)::bigint, 0) AS observed
        FROM (SELECT convert_internal.analysis_experience(srm_check.project_id, srm_check.experience_id) AS id) AS a_exp,
             LATERAL convert_internal.analysis_exposure(srm_check.project_id, a_exp.id,
                                                        '-infinity', 'infinity') AS x(counts),
             convert_internal.analysis_arms(srm_check.project_id, a_exp.id) AS a
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

-- At a glance: every experience's results over all time, one row per
-- variation and goal.  Filter on project_id / experience_id: only the
-- experiences that pass are computed.
CREATE VIEW convert.experience_results_overview AS
SELECT e.project_id, e.id::text AS experience_id, e.key AS experience_key, r.*
FROM convert.experiences AS e
CROSS JOIN LATERAL convert.experience_results(e.project_id, e.id::text) AS r;

COMMENT ON VIEW convert.experience_results_overview IS
'convert.experience_results of every experience over all time';

-- At a glance: one row per experience with visitors, its sample-ratio test
-- and whether the split is off (p < 0.001).
CREATE VIEW convert.srm_overview AS
SELECT e.project_id, e.id::text AS experience_id, e.key AS experience_key,
       coalesce(sum(s.observed), 0)::bigint AS visitors,
       min(s.chi_square) AS chi_square, min(s.p_value) AS p_value,
       coalesce(bool_or(s.mismatch), false) AS mismatch
FROM convert.experiences AS e
LEFT JOIN LATERAL convert.srm_check(e.project_id, e.id::text) AS s ON true
GROUP BY e.project_id, e.id, e.key;

COMMENT ON VIEW convert.srm_overview IS
'Sample-ratio check of every experience: visitors, chi-square, p-value, mismatch';
