-- Experiment analysis, part 3: convert.experience_analysis, the results of
-- convert.experience_results with the optional read-outs as parameters:
-- sequential (always-valid) intervals and p-values, the Bayesian chance
-- to win and risk, p-values adjusted across the variations x goals, and
-- CUPED variance reduction.

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
CREATE FUNCTION convert_internal.analysis_moments(project_id bigint, experience_id bigint,
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
REVOKE ALL ON FUNCTION convert_internal.analysis_moments(bigint, bigint, timestamptz, timestamptz,
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
CREATE FUNCTION convert_internal.analysis_daily(project_id bigint, experience_id bigint,
                                       from_time timestamptz, to_time timestamptz)
RETURNS TABLE (day date, variation_id bigint, goal_id bigint, visitors bigint,
               converting_visitors bigint)
AS 'MODULE_PATHNAME', 'convert_analysis_daily'
-- as analysis_tally: its own (parallel) queries run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01;
REVOKE ALL ON FUNCTION convert_internal.analysis_daily(bigint, bigint, timestamptz, timestamptz) FROM PUBLIC;

-- How an experiment converged: per day, cumulative visitors and converting
-- visitors per variation and goal, the conversion rate and each variation
-- against the original (two-proportion z-test, or with sequential the
-- always-valid sequence, which is what looking at every day calls for).
CREATE FUNCTION convert.experience_daily_results(project_id bigint, experience_id text,
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
        SELECT convert_internal.analysis_experience(experience_daily_results.project_id,
                                           experience_daily_results.experience_id) AS id
    ), days AS (
        SELECT d.*, a.key AS arm_key, a.is_original, a.arm_position,
               g.key AS goal_key, coalesce(eg.position, 1000000000) AS goal_position,
               CASE WHEN d.visitors > 0 THEN d.converting_visitors::float8 / d.visitors END AS rate
        FROM experience AS x
        CROSS JOIN LATERAL convert_internal.analysis_daily(experience_daily_results.project_id, x.id,
                                                  from_time, to_time) AS d
        JOIN convert_internal.analysis_arms(experience_daily_results.project_id, x.id) AS a
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
