-- convert.experience_analysis: the read-outs beyond experience_results
-- (multiple-comparison corrections, sequential tests, Bayesian chance to
-- win and risk) over a small fixed data set: three arms of 1000 visitors,
-- a signup goal and a purchase goal.  Every expected number was computed
-- independently by test/analysis/readouts_reference.py (SciPy 1.10.1 and
-- statsmodels 0.13.5 from Debian 12, from the same per-visitor data) and
-- agrees with it to the 9 decimals shown.
\pset null '(null)'

INSERT INTO convert.accounts (id, name) VALUES (94, 'readouts test');
INSERT INTO convert.projects (id, account_id, name) VALUES (94, 94, 'readouts');
INSERT INTO convert.experiences (project_id, id, key, name, status)
VALUES (94, 400, 'pricing', 'Pricing', 'active');
INSERT INTO convert.variations (project_id, experience_id, position, id, key, status, traffic_allocation)
VALUES (94, 400, 0, 4001, 'original', 'running', 34), (94, 400, 1, 4002, 'cheaper', 'running', 33),
       (94, 400, 2, 4003, 'bundle', 'running', 33);
INSERT INTO convert.goals (project_id, id, key, type)
VALUES (94, 701, 'signup', 'code_trigger'), (94, 702, 'purchase', 'revenue');
INSERT INTO convert.experience_goals (project_id, experience_id, goal_id, position)
VALUES (94, 400, 701, 0), (94, 400, 702, 1);
SELECT convert.ensure_event_partitions('2026-02-01', '2026-03-31') > 0 AS partitions_created;

-- 1000 visitors per arm, exposed on March 10th
INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at)
SELECT 94, arm || '-' || i, 400, id, '2026-03-10 12:00+00'
FROM (VALUES ('o', 4001), ('b', 4002), ('c', 4003)) AS a(arm, id), generate_series(1, 1000) AS i;
-- signup: 100, 130 and 95 visitors
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id)
SELECT '2026-03-11 09:00+00', 94, arm || '-' || i, 'conversion', 701
FROM (VALUES ('o', 100), ('b', 130), ('c', 95)) AS a(arm, n), generate_series(1, n) AS i;
-- purchase: buyer i of the original pays 20 + i (50 buyers), of cheaper
-- 25 + i (60 buyers), of bundle 18 + 3 * (i % 7) (45 buyers), for 1 + i % 3
-- products
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id,
                            amount, products_count, goal_data)
SELECT '2026-03-12 10:00+00', 94, arm || '-' || i, 'conversion', 702, amount, 1 + i % 3,
       jsonb_build_array(jsonb_build_object('key', 'amount', 'value', amount))
FROM (VALUES ('o', 50), ('b', 60), ('c', 45)) AS a(arm, n), generate_series(1, n) AS i,
     LATERAL (SELECT CASE arm WHEN 'o' THEN 20 + i WHEN 'b' THEN 25 + i
                              ELSE 18 + 3 * (i % 7) END::numeric AS amount) AS v;
-- buyers 1..10 of the original and of cheaper order again: 2 products, free
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id,
                            amount, products_count, goal_data)
SELECT '2026-03-13 10:00+00', 94, arm || '-' || i, 'conversion', 702, 0, 2, '[]'
FROM unnest(ARRAY['o', 'b']) AS arm, generate_series(1, 10) AS i;
-- before exposure (CUPED's covariate within a 14-day lookback): signups of
-- visitors 1..60 and 901..940 of each arm on March 5th, purchases of
-- visitors 1..30 (10 + i) and 951..960 (50) on March 6th; and signups of
-- visitors 61..80 on February 15th, before any lookback used here
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id)
SELECT timestamptz '2026-03-05 09:00+00', 94, arm || '-' || i, 'conversion', 701
FROM unnest(ARRAY['o', 'b', 'c']) AS arm,
     (SELECT generate_series(1, 60) UNION ALL SELECT generate_series(901, 940)) AS v(i)
UNION ALL
SELECT '2026-02-15 09:00+00', 94, arm || '-' || i, 'conversion', 701
FROM unnest(ARRAY['o', 'b', 'c']) AS arm, generate_series(61, 80) AS i;
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id,
                            amount, products_count, goal_data)
SELECT '2026-03-06 10:00+00', 94, arm || '-' || i, 'conversion', 702, amount, 1, '[]'
FROM unnest(ARRAY['o', 'b', 'c']) AS arm,
     LATERAL (SELECT i, 10 + i AS amount FROM generate_series(1, 30) AS i
              UNION ALL SELECT i, 50 FROM generate_series(951, 960) AS i) AS v;

-- With the defaults, the first 22 columns are experience_results' exactly
SELECT count(*) AS differing_rows FROM (
    (SELECT variation_id, variation_key, is_original, goal_id, goal_key, visitors,
            converting_visitors, conversions, conversion_rate, revenue, products,
            revenue_per_visitor, uplift, uplift_low, uplift_high, p_value, chance_to_beat,
            revenue_uplift, revenue_uplift_low, revenue_uplift_high, revenue_p_value,
            revenue_chance_to_beat
     FROM convert.experience_analysis(94, '400')
     EXCEPT ALL SELECT * FROM convert.experience_results(94, '400'))
    UNION ALL
    (SELECT * FROM convert.experience_results(94, '400')
     EXCEPT ALL
     SELECT variation_id, variation_key, is_original, goal_id, goal_key, visitors,
            converting_visitors, conversions, conversion_rate, revenue, products,
            revenue_per_visitor, uplift, uplift_low, uplift_high, p_value, chance_to_beat,
            revenue_uplift, revenue_uplift_low, revenue_uplift_high, revenue_p_value,
            revenue_chance_to_beat
     FROM convert.experience_analysis(94, '400'))) AS d;
-- and no correction means no adjusted p-values
SELECT count(p_value_adjusted) + count(revenue_p_value_adjusted) AS adjusted
FROM convert.experience_analysis(94, '400');

-- Fixed-horizon p-values and both corrections over the family of six
-- (statsmodels.stats.multitest.multipletests, 'holm' and 'fdr_bh')
SELECT h.variation_key, h.goal_key,
       round(h.p_value::numeric, 9) AS p_value,
       round(h.p_value_adjusted::numeric, 9) AS holm,
       round(b.p_value_adjusted::numeric, 9) AS bh,
       round(h.revenue_p_value::numeric, 9) AS revenue_p_value,
       round(h.revenue_p_value_adjusted::numeric, 9) AS revenue_holm,
       round(b.revenue_p_value_adjusted::numeric, 9) AS revenue_bh
FROM convert.experience_analysis(94, '400', correction => 'holm') AS h
JOIN convert.experience_analysis(94, '400', correction => 'bh') AS b
  ON b.variation_id = h.variation_id AND b.goal_id = h.goal_id
WHERE NOT h.is_original;

-- Sequential: always-valid intervals (wider) and p-values (larger), at the
-- default tuning of 5000 visitors and at 500
SELECT variation_key, goal_key, round(uplift::numeric, 9) AS uplift,
       round(uplift_low::numeric, 9) AS uplift_low, round(uplift_high::numeric, 9) AS uplift_high,
       round(p_value::numeric, 9) AS p_value
FROM convert.experience_analysis(94, '400', sequential => true) WHERE NOT is_original;
SELECT variation_key, goal_key,
       round(revenue_uplift_low::numeric, 9) AS revenue_uplift_low,
       round(revenue_uplift_high::numeric, 9) AS revenue_uplift_high,
       round(revenue_p_value::numeric, 9) AS revenue_p_value
FROM convert.experience_analysis(94, '400', sequential => true)
WHERE NOT is_original AND goal_key = 'purchase';
SELECT variation_key, goal_key, round(uplift_low::numeric, 9) AS uplift_low,
       round(uplift_high::numeric, 9) AS uplift_high, round(p_value::numeric, 9) AS p_value
FROM convert.experience_analysis(94, '400', sequential => true, sequential_tuning => 500)
WHERE NOT is_original AND goal_key = 'signup';
-- sequential p-values adjusted too
SELECT variation_key, goal_key, round(p_value_adjusted::numeric, 9) AS holm
FROM convert.experience_analysis(94, '400', sequential => true, correction => 'holm')
WHERE NOT is_original;

-- Bayesian: flat prior, then the proper prior N(0, 0.1^2)
SELECT variation_key, goal_key,
       round(chance_to_win::numeric, 9) AS chance_to_win, round(risk::numeric, 9) AS risk,
       round(revenue_chance_to_win::numeric, 9) AS revenue_chance_to_win,
       round(revenue_risk::numeric, 9) AS revenue_risk
FROM convert.experience_analysis(94, '400');
SELECT variation_key, goal_key,
       round(chance_to_win::numeric, 9) AS chance_to_win, round(risk::numeric, 9) AS risk,
       round(revenue_chance_to_win::numeric, 9) AS revenue_chance_to_win,
       round(revenue_risk::numeric, 9) AS revenue_risk
FROM convert.experience_analysis(94, '400', prior_sd => 0.1) WHERE NOT is_original;

-- CUPED with the 14-day lookback: theta pooled over the three arms per
-- goal and metric, adjusted means, and Welch's test on the adjusted values
-- (scipy.stats.ttest_ind(equal_var=False) on y - theta (x - mean x))
SELECT variation_key, goal_key, round(conversion_rate::numeric, 9) AS rate,
       round(cuped_conversion_rate::numeric, 9) AS cuped_rate,
       round(cuped_uplift::numeric, 9) AS cuped_uplift,
       round(cuped_uplift_low::numeric, 9) AS low, round(cuped_uplift_high::numeric, 9) AS high,
       round(cuped_p_value::numeric, 9) AS cuped_p_value
FROM convert.experience_analysis(94, '400', cuped => true);
SELECT variation_key, goal_key, round(revenue_per_visitor::numeric, 9) AS rpv,
       round(cuped_revenue_per_visitor::numeric, 9) AS cuped_rpv,
       round(revenue_cuped_uplift::numeric, 9) AS cuped_uplift,
       round(revenue_cuped_uplift_low::numeric, 9) AS low,
       round(revenue_cuped_uplift_high::numeric, 9) AS high,
       round(revenue_cuped_p_value::numeric, 9) AS cuped_p_value
FROM convert.experience_analysis(94, '400', cuped => true) WHERE goal_key = 'purchase';
-- a 30-day lookback also takes February 15th's signups; sequential CUPED
-- with Benjamini-Hochberg over the CUPED p-values
SELECT variation_key, goal_key, round(cuped_conversion_rate::numeric, 9) AS cuped_rate,
       round(cuped_p_value::numeric, 9) AS cuped_p_value
FROM convert.experience_analysis(94, '400', cuped => true, cuped_lookback => '30 days')
WHERE goal_key = 'signup';
SELECT variation_key, goal_key, round(cuped_uplift_low::numeric, 9) AS low,
       round(cuped_uplift_high::numeric, 9) AS high, round(cuped_p_value::numeric, 9) AS p,
       round(p_value_adjusted::numeric, 9) AS bh,
       round(revenue_cuped_p_value::numeric, 9) AS revenue_p,
       round(revenue_p_value_adjusted::numeric, 9) AS revenue_bh
FROM convert.experience_analysis(94, '400', cuped => true, sequential => true, correction => 'bh')
WHERE NOT is_original;
-- without cuped the CUPED columns are NULL; the moments with no lookback
-- are analysis_tally's rows
SELECT count(cuped_conversion_rate) + count(cuped_p_value) + count(revenue_cuped_p_value) AS cuped
FROM convert.experience_analysis(94, '400');
SELECT count(*) AS differing_rows FROM (
    (SELECT variation_id, goal_id, converting_visitors, conversions, revenue, products, revenue_squares
     FROM convert_internal.analysis_moments(94, 400, NULL, NULL, NULL, NULL, false, NULL, NULL, false, NULL, NULL)
     EXCEPT ALL
     SELECT * FROM convert_internal.analysis_tally(94, 400, NULL, NULL, NULL, NULL, false, NULL, NULL, false))
    UNION ALL
    (SELECT * FROM convert_internal.analysis_tally(94, 400, NULL, NULL, NULL, NULL, false, NULL, NULL, false)
     EXCEPT ALL
     SELECT variation_id, goal_id, converting_visitors, conversions, revenue, products, revenue_squares
     FROM convert_internal.analysis_moments(94, 400, NULL, NULL, NULL, NULL, false, NULL, NULL, false, NULL, NULL))) AS d;
-- the pre-exposure sums themselves (by hand: 100 signups before exposure
-- per arm; of them 60 also after; purchases 1..30 at 10 + i and 951..960)
SELECT variation_id, goal_id, converting_visitors, pre_visitors, both_visitors, pre_revenue,
       pre_revenue_squares, revenue_cross
FROM convert_internal.analysis_moments(94, 400, NULL, NULL, NULL, NULL, false, NULL, NULL, false, '14 days', NULL)
ORDER BY variation_id, goal_id;

-- Ratio metrics by the delta method (the formula of Deng, Knoblich, Lu 2018
-- written out in the reference, from the visitors' numerators and
-- denominators): revenue per converting visitor and products per order,
-- fixed-horizon and sequential
SELECT variation_key, round(revenue_per_converter::numeric, 9) AS rpc,
       round(revenue_per_converter_uplift::numeric, 9) AS uplift,
       round(revenue_per_converter_uplift_low::numeric, 9) AS low,
       round(revenue_per_converter_uplift_high::numeric, 9) AS high,
       round(revenue_per_converter_p_value::numeric, 9) AS p_value
FROM convert.experience_analysis(94, '400') WHERE goal_key = 'purchase';
SELECT variation_key, round(products_per_order::numeric, 9) AS ppo,
       round(products_per_order_uplift::numeric, 9) AS uplift,
       round(products_per_order_uplift_low::numeric, 9) AS low,
       round(products_per_order_uplift_high::numeric, 9) AS high,
       round(products_per_order_p_value::numeric, 9) AS p_value
FROM convert.experience_analysis(94, '400') WHERE goal_key = 'purchase';
SELECT variation_key,
       round(revenue_per_converter_uplift_low::numeric, 9) AS rpc_low,
       round(revenue_per_converter_uplift_high::numeric, 9) AS rpc_high,
       round(revenue_per_converter_p_value::numeric, 9) AS rpc_p,
       round(products_per_order_uplift_low::numeric, 9) AS ppo_low,
       round(products_per_order_uplift_high::numeric, 9) AS ppo_high,
       round(products_per_order_p_value::numeric, 9) AS ppo_p
FROM convert.experience_analysis(94, '400', sequential => true)
WHERE goal_key = 'purchase' AND NOT is_original;
-- a goal without orders has no products per order
SELECT variation_key, revenue_per_converter, products_per_order, products_per_order_p_value
FROM convert.experience_analysis(94, '400') WHERE goal_key = 'signup';

-- Dimensions: the visitors' segments sent with their first assignment.
-- browser: "FF" for every 10th visitor of the original and of bundle but
-- every 5th of cheaper (a broken split within FF), "CH" for the others;
-- country for every other visitor only.  Shares, per-value sample-ratio
-- tests (scipy.stats.chisquare against 34/33/33) and the tests within
-- each value (statsmodels proportions_ztest, scipy ttest_ind) come from
-- the reference's per-visitor data.
UPDATE convert.visitor_bucketing AS vb
SET segments_digest = convert.segment_set_digest(jsonb_build_object('browser',
        CASE WHEN split_part(vb.visitor_id, '-', 2)::int % (CASE WHEN vb.variation_id = 4002 THEN 5 ELSE 10 END) = 0
             THEN 'FF' ELSE 'CH' END)
    || CASE WHEN split_part(vb.visitor_id, '-', 2)::int % 2 = 0 THEN '{"country": "NL"}'::jsonb ELSE '{}' END)
WHERE vb.project_id = 94;
SELECT dimension_value, variation_key, goal_key, visitors, converting_visitors,
       round(dimension_share::numeric, 9) AS share, round(srm_p_value::numeric, 9) AS srm_p_value,
       round(p_value::numeric, 9) AS p_value, round(revenue_p_value::numeric, 9) AS revenue_p_value
FROM convert.experience_analysis(94, '400', dimension => 'browser');
SELECT dimension_value, variation_key, goal_key, visitors, converting_visitors, revenue,
       round(dimension_share::numeric, 9) AS share, round(srm_p_value::numeric, 9) AS srm_p_value
FROM convert.experience_analysis(94, '400', dimension => 'country') WHERE goal_key = 'purchase';
-- without a dimension: one group, the whole split
SELECT DISTINCT dimension_value, dimension_share, round(srm_p_value::numeric, 9) AS srm_p_value
FROM convert.experience_analysis(94, '400');
-- CUPED within each value: theta per value and goal
SELECT dimension_value, variation_key, round(cuped_p_value::numeric, 9) AS cuped_p_value
FROM convert.experience_analysis(94, '400', dimension => 'browser', cuped => true)
WHERE goal_key = 'signup' AND NOT is_original;

-- On Citus each worker runs analysis_moments over its pair of shards and
-- the segments' reference table (analysis_moments_shard), the coordinator
-- adds the rows (analysis_moments_sum): over two "shards" (the visitors
-- split by a hash) the sums equal analysis_moments, by dimension and with
-- CUPED's lookback too.
CREATE TABLE regress.moments_vb_0 AS SELECT * FROM convert.visitor_bucketing WHERE hashtext(visitor_id) % 2 = 0;
CREATE TABLE regress.moments_vb_1 AS SELECT * FROM convert.visitor_bucketing WHERE hashtext(visitor_id) % 2 <> 0;
CREATE TABLE regress.moments_ev_0 AS SELECT * FROM convert.events WHERE hashtext(visitor_id) % 2 = 0;
CREATE TABLE regress.moments_ev_1 AS SELECT * FROM convert.events WHERE hashtext(visitor_id) % 2 <> 0;
CREATE FUNCTION regress.moments_shard_differences(lookback interval, dimension text) RETURNS bigint
LANGUAGE sql AS $$
    WITH summed AS (
        SELECT * FROM convert_internal.analysis_moments_sum(ARRAY[
            (SELECT json_agg(t) FROM convert_internal.analysis_moments_shard('regress.moments_vb_0',
                 'regress.moments_ev_0', 'convert.segment_sets', 94, 400, NULL, NULL, NULL, NULL, false,
                 NULL, NULL, false, lookback, dimension) AS t)::text,
            (SELECT json_agg(t) FROM convert_internal.analysis_moments_shard('regress.moments_vb_1',
                 'regress.moments_ev_1', 'convert.segment_sets', 94, 400, NULL, NULL, NULL, NULL, false,
                 NULL, NULL, false, lookback, dimension) AS t)::text])
    ), whole AS (
        SELECT * FROM convert_internal.analysis_moments(94, 400, NULL, NULL, NULL, NULL, false,
                                                        NULL, NULL, false, lookback, dimension)
    )
    SELECT count(*)
    FROM summed AS p
    FULL JOIN whole AS s
      ON s.variation_id = p.variation_id AND s.goal_id = p.goal_id
     AND s.dimension_value IS NOT DISTINCT FROM p.dimension_value
    WHERE p IS NULL OR s IS NULL
       OR (s.converting_visitors, s.conversions, s.revenue::text, s.products::text, s.pre_visitors,
           s.both_visitors, s.orders)
          IS DISTINCT FROM (p.converting_visitors, p.conversions, p.revenue::text, p.products::text,
                            p.pre_visitors, p.both_visitors, p.orders)
       -- float sums, added in another order: to 12 digits
       OR EXISTS (SELECT FROM unnest(
                      ARRAY[s.revenue_squares, s.pre_revenue, s.pre_revenue_squares, s.revenue_cross,
                            s.orders_squares, s.products_squares, s.products_orders],
                      ARRAY[p.revenue_squares, p.pre_revenue, p.pre_revenue_squares, p.revenue_cross,
                            p.orders_squares, p.products_squares, p.products_orders]) AS f(a, b)
                  WHERE abs(f.a - f.b) > 1e-12 * greatest(1, abs(f.b)))
$$;
SELECT regress.moments_shard_differences(NULL, NULL) AS plain,
       regress.moments_shard_differences('14 days', NULL) AS cuped,
       regress.moments_shard_differences(NULL, 'browser') AS by_browser,
       regress.moments_shard_differences('30 days', 'country') AS cuped_by_country;
-- the data has what the comparisons need: pre-exposure visitors and values in each shard
SELECT count(DISTINCT t.dimension_value) AS browsers, sum(t.pre_visitors) > 0 AS pre_exposure
FROM convert_internal.analysis_moments_shard('regress.moments_vb_0', 'regress.moments_ev_0', 'convert.segment_sets',
         94, 400, NULL, NULL, NULL, NULL, false, NULL, NULL, false, '14 days', 'browser') AS t;
DROP TABLE regress.moments_vb_0, regress.moments_vb_1, regress.moments_ev_0, regress.moments_ev_1;

-- The daily cumulative series: signups land on March 11th, purchases on
-- the 12th (the repeat orders of the 13th change no one's first day); the
-- last day is experience_analysis's totals, fixed and sequential
SELECT day, variation_key, goal_key, visitors, converting_visitors, conversion_rate,
       round(uplift::numeric, 9) AS uplift, round(uplift_low::numeric, 9) AS low,
       round(uplift_high::numeric, 9) AS high, round(p_value::numeric, 9) AS p_value
FROM convert.experience_daily_results(94, '400');
SELECT count(*) AS differing_rows
FROM convert.experience_daily_results(94, '400', sequential => true) AS d
JOIN convert.experience_analysis(94, '400', sequential => true) AS r
  ON r.variation_id = d.variation_id AND r.goal_id = d.goal_id
WHERE d.day = '2026-03-12'
  AND (d.visitors, d.converting_visitors, d.p_value, d.uplift_low, d.uplift_high)
      IS DISTINCT FROM (r.visitors, r.converting_visitors, r.p_value, r.uplift_low, r.uplift_high);
-- windows: after the exposures nobody is in the experience; up to March
-- 12th the purchases are not in yet
SELECT day, variation_key, goal_key, visitors, converting_visitors
FROM convert.experience_daily_results(94, '400', '2026-03-10 13:00+00', '2026-03-12 00:00+00');
SELECT day, variation_key, goal_key, visitors, converting_visitors
FROM convert.experience_daily_results(94, '400', '2026-03-10 00:00+00', '2026-03-12 00:00+00')
WHERE goal_key = 'signup';

-- The building blocks on their own
SELECT round(z::numeric, 9) AS z, round(p_value::numeric, 9) AS p_value,
       round(ci_low::numeric, 9) AS ci_low, round(ci_high::numeric, 9) AS ci_high
FROM convert.sequential_test(1000, 0.1, 0.09, 1000, 0.13, 0.1131);
SELECT round(lift::numeric, 9) AS lift, round(lift_sd::numeric, 9) AS lift_sd,
       round(chance_to_win::numeric, 9) AS chance_to_win, round(risk::numeric, 9) AS risk
FROM convert.bayes_lift(1000, 0.1, 0.09, 1000, 0.13, 0.1131);
SELECT convert.adjusted_p_values('{0.01, NULL, 0.04, 0.03, 0.04}', 'holm') AS holm,
       convert.adjusted_p_values('{0.01, NULL, 0.04, 0.03, 0.04}', 'bh') AS bh;
-- undefined inputs give NULLs; an empty family stays empty
SELECT * FROM convert.sequential_test(0, 0, 0, 10, 0.1, 0.09);
SELECT * FROM convert.bayes_lift(10, 0, 0, 10, 0.1, 0.09);
SELECT * FROM convert.bayes_lift(10, NULL, 0, 10, 0.1, 0.09);
SELECT convert.adjusted_p_values('{}', 'bh') AS empty;

-- Errors
\set VERBOSITY terse
SELECT * FROM convert.experience_analysis(94, '400', correction => 'bonferroni');
SELECT * FROM convert.experience_analysis(94, '400', sequential => true, sequential_tuning => 0);
SELECT * FROM convert.experience_analysis(94, '400', prior_sd => -1);
SELECT * FROM convert.experience_analysis(94, '400', cuped => true, cuped_lookback => NULL);
SELECT * FROM convert.experience_analysis(94, '400', cuped => true, cuped_lookback => '2 months');
SELECT * FROM convert.experience_analysis(94, '400', cuped => true, cuped_lookback => '-1 day');
UPDATE convert.visitor_bucketing AS vb
SET segments_digest = convert.segment_set_digest(
        (SELECT s.segments FROM convert.segment_sets AS s WHERE s.digest = vb.segments_digest)
        || jsonb_build_object('note', repeat('x', 300)))
WHERE project_id = 94 AND visitor_id = 'o-1';
SELECT * FROM convert.experience_analysis(94, '400', dimension => 'note');
SELECT * FROM convert.sequential_test(10, 0.1, 0.09, 10, 0.2, 0.16, 1.5);
SELECT convert.adjusted_p_values('{0.5, 1.5}', 'holm');
SELECT convert.adjusted_p_values('{0.5}', 'sidak');
