-- Experiment analysis over a small fixed data set.  Every expected number
-- was computed independently with SciPy 1.10.1 on Debian 12 from the same
-- per-visitor data (scipy.stats.ttest_ind(equal_var=False) for revenue per
-- visitor, scipy.stats.norm for the two-proportion z-test, and
-- scipy.stats.chisquare for the sample-ratio check); values are rounded to
-- 9 decimals here and agree with SciPy's to all of them.
SET client_min_messages TO warning;   -- the extension may exist already
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'

INSERT INTO convert.accounts (id, name) VALUES (91, 'analysis test');
INSERT INTO convert.projects (id, account_id, name) VALUES (91, 91, 'shop');
INSERT INTO convert.experiences (project_id, id, key, name, status)
VALUES (91, 100, 'checkout', 'Checkout', 'active'), (91, 200, 'banner', 'Banner', 'active');
INSERT INTO convert.variations (project_id, experience_id, position, id, key, status, traffic_allocation)
VALUES (91, 100, 0, 1001, 'original', 'running', 50), (91, 100, 1, 1002, 'new-checkout', 'running', 50),
       (91, 200, 0, 2001, 'original', 'running', 50), (91, 200, 1, 2002, 'banner-b', 'running', 50),
       (91, 200, 2, 2003, 'banner-c', 'stopped', 0);
INSERT INTO convert.goals (project_id, id, key, type)
VALUES (91, 501, 'purchase', 'revenue'), (91, 502, 'signup', 'code_trigger');
INSERT INTO convert.experience_goals (project_id, experience_id, goal_id, position)
VALUES (91, 100, 501, 0), (91, 100, 502, 1);
SELECT convert.ensure_event_partitions('2026-01-01', '2026-01-31') > 0 AS partitions_created;

-- 1000 visitors exposed to each arm of experience 100 on January 10th
INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at)
SELECT 91, arm || '-' || i, 100, CASE arm WHEN 'o' THEN 1001 ELSE 1002 END, '2026-01-10 12:00+00'
FROM unnest(ARRAY['o', 'v']) AS arm, generate_series(1, 1000) AS i;

-- signup (no goal data): 100 of the original's visitors, 130 of the new arm's
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id)
SELECT '2026-01-11 09:00+00', 91, arm || '-' || i, 'conversion', 502
FROM (VALUES ('o', 100), ('v', 130)) AS a(arm, n), generate_series(1, n) AS i;
-- a signup before exposure does not count
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id)
VALUES ('2026-01-09 09:00+00', 91, 'o-999', 'conversion', 502);

-- purchase: the SDK's plain event plus the transaction event with goalData;
-- original buyers o-1..o-50 pay 20 + i, new-arm buyers v-1..v-60 pay 25 + i
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id,
                            amount, products_count, goal_data)
SELECT '2026-01-12 10:00+00'::timestamptz, 91, arm || '-' || i, 'conversion', 501, NULL, NULL, NULL
FROM (VALUES ('o', 50), ('v', 60)) AS a(arm, n), generate_series(1, n) AS i
UNION ALL
SELECT '2026-01-12 10:00+00', 91, arm || '-' || i, 'conversion', 501, base + i, 1 + i % 3,
       jsonb_build_array(jsonb_build_object('key', 'amount', 'value', base + i))
FROM (VALUES ('o', 50, 20), ('v', 60, 25)) AS a(arm, n, base), generate_series(1, n) AS i;
-- v-1 buys again (forceMultipleTransactions: only the transaction event)
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id,
                            amount, products_count, goal_data)
VALUES ('2026-01-13 10:00+00', 91, 'v-1', 'conversion', 501, 30, 1, '[{"key":"amount","value":30}]');

-- Results: revenue per visitor 2.275 vs 3.36 (Welch t = 1.97099, p = 0.04887);
-- signup 10% vs 13% (z = 2.10274, p = 0.035488)
SELECT variation_id, variation_key, is_original, goal_id, goal_key, visitors,
       converting_visitors, conversions, conversion_rate, revenue, products,
       revenue_per_visitor
FROM convert.experience_results(91, '100');

SELECT variation_id, goal_key,
       round(uplift::numeric, 9) AS uplift, round(uplift_low::numeric, 9) AS uplift_low,
       round(uplift_high::numeric, 9) AS uplift_high, round(p_value::numeric, 9) AS p_value,
       round(chance_to_beat::numeric, 9) AS chance_to_beat
FROM convert.experience_results(91, '100');

SELECT variation_id, goal_key,
       round(revenue_uplift::numeric, 9) AS revenue_uplift,
       round(revenue_uplift_low::numeric, 9) AS low, round(revenue_uplift_high::numeric, 9) AS high,
       round(revenue_p_value::numeric, 9) AS revenue_p_value,
       round(revenue_chance_to_beat::numeric, 9) AS revenue_chance_to_beat
FROM convert.experience_results(91, '100') WHERE goal_key = 'purchase';

-- Outliers: orders above 80 are left out of revenue (mean 3.36 -> 2.945,
-- Welch t = 1.28665, p = 0.19837); conversions still count
UPDATE convert.projects SET outliers = '{"order_value": {"detection_type": "min_max", "min": 0, "max": 80}}'
WHERE id = 91;
SELECT variation_id, conversions, revenue, revenue_per_visitor,
       round(revenue_uplift::numeric, 9) AS revenue_uplift,
       round(revenue_p_value::numeric, 9) AS revenue_p_value,
       round(revenue_chance_to_beat::numeric, 9) AS revenue_chance_to_beat
FROM convert.experience_results(91, '100') WHERE goal_key = 'purchase';
-- percentile bounds: the 1st..99th percentile of the orders in the period
UPDATE convert.projects SET outliers = '{"order_value": {"detection_type": "percentile", "min": 1, "max": 99}}'
WHERE id = 91;
SELECT variation_id, revenue FROM convert.experience_results(91, '100') WHERE goal_key = 'purchase';
UPDATE convert.projects SET outliers = NULL WHERE id = 91;

-- Time filters: [from, to) applies to exposure and conversions alike
SELECT variation_id, goal_key, visitors, converting_visitors, conversion_rate, p_value
FROM convert.experience_results(91, '100', to_time => '2026-01-10 00:00+00');
SELECT variation_id, goal_key, visitors, converting_visitors, revenue
FROM convert.experience_results(91, '100', from_time => '2026-01-01', to_time => '2026-01-12 00:00+00');

-- Sample ratio: 1000/1000 at 50/50 passes
SELECT * FROM convert.srm_check(91, '100');
-- 5300/4700 at 50/50 is flagged (chi-square 36, p = 1.97e-9); the stopped
-- arm expects nobody and is left out of the test
INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at)
SELECT 91, 'b-' || i, 200, CASE WHEN i <= 5300 THEN 2001 WHEN i <= 10000 THEN 2002 ELSE 2003 END,
       '2026-01-10 12:00+00'
FROM generate_series(1, 10007) AS i;
SELECT variation_id, observed, allocation, expected, chi_square,
       p_value < 2e-9 AND p_value > 1.9e-9 AS p_value_near_1_97e_9, mismatch
FROM convert.srm_check(91, '200');
SELECT bool_or(mismatch) AS mismatch_at_1e_10 FROM convert.srm_check(91, '200', 1e-10);

-- The overviews: every experience at a glance (the skewed one flagged)
SELECT experience_id, experience_key, visitors, round(chi_square::numeric, 6) AS chi_square,
       p_value < 0.001 AS p_below_0_001, mismatch
FROM convert.srm_overview WHERE project_id = 91 ORDER BY experience_id;
SELECT variation_id, goal_key, visitors, converting_visitors, revenue
FROM convert.experience_results_overview
WHERE project_id = 91 AND experience_id = '100';

-- Errors
SELECT * FROM convert.experience_results(91, '999');
SELECT * FROM convert.srm_check(91, 'abc');
SELECT * FROM convert.two_proportion_test(10, 11, 10, 1);
SELECT * FROM convert.welch_test(10, 1, 1, 10, 2, 1, 1.5);
SELECT convert.chi_square_sf(1, 0);
SELECT * FROM convert.sample_ratio_test('{1,2}', '{1}');

-- The building blocks on their own
SELECT round(convert.normal_cdf(1.96)::numeric, 12) AS normal_cdf,
       round(convert.student_t_cdf(2.0, 5)::numeric, 12) AS t_cdf,
       round(convert.chi_square_sf(3.84, 1)::numeric, 12) AS chi_square_sf;
