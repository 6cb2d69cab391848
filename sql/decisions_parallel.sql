-- Decisions are PARALLEL SAFE: over a visitors table, a parallel plan gives
-- the same answers as a serial one (each worker compiles and caches the
-- config on its own).  The config is a scalar subquery: its value is
-- computed once (an InitPlan) and shipped to the workers, which evaluate
-- the decisions; a join would evaluate them above the Gather, serially.
CREATE TABLE decision_visitors AS
SELECT 'visitor-' || g AS visitor_id,
       jsonb_build_object('desktop', g % 3 <> 0, 'country', CASE WHEN g % 5 = 0 THEN 'US' ELSE 'DE' END,
                          'plan', CASE WHEN g % 7 = 0 THEN 'pro' ELSE 'free' END) AS props
FROM generate_series(1, 100000) AS g;
ANALYZE decision_visitors;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_decisions AS
SELECT v.visitor_id,
       convert.run_experience(c.config, v.visitor_id, 'checkout-test', v.props, '{"page": "checkout"}',
                              'production') AS checkout,
       convert.run_experience(c.config, v.visitor_id, 'all-audiences', v.props, '{}') AS all_audiences,
       convert.run_feature(c.config, v.visitor_id, 'typed', v.props, '{"page": "checkout"}',
                           'production') AS typed
FROM decision_visitors v,
     LATERAL (SELECT (SELECT config FROM decision_configs WHERE name = 'demo') AS config) c;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

EXPLAIN (COSTS OFF)
SELECT v.visitor_id,
       convert.run_experience((SELECT config FROM decision_configs WHERE name = 'demo'),
                              v.visitor_id, 'checkout-test', v.props) AS checkout
FROM decision_visitors v;

CREATE TEMP TABLE parallel_decisions AS
SELECT v.visitor_id,
       convert.run_experience(c.config, v.visitor_id, 'checkout-test', v.props, '{"page": "checkout"}',
                              'production') AS checkout,
       convert.run_experience(c.config, v.visitor_id, 'all-audiences', v.props, '{}') AS all_audiences,
       convert.run_feature(c.config, v.visitor_id, 'typed', v.props, '{"page": "checkout"}',
                           'production') AS typed
FROM decision_visitors v,
     LATERAL (SELECT (SELECT config FROM decision_configs WHERE name = 'demo') AS config) c;
RESET ALL;

-- Same rows, same answers; and the answers are not trivial
SELECT count(*) AS visitors,
       count(*) FILTER (WHERE s.checkout IS NOT DISTINCT FROM p.checkout
                          AND s.all_audiences IS NOT DISTINCT FROM p.all_audiences
                          AND s.typed IS NOT DISTINCT FROM p.typed) AS same,
       count(*) FILTER (WHERE s.checkout ->> 'id' = '7001') AS original,
       count(*) FILTER (WHERE s.checkout ->> 'id' = '7002') AS variation_1,
       count(*) FILTER (WHERE s.checkout IS NULL) AS not_desktop,
       count(*) FILTER (WHERE s.all_audiences IS NOT NULL) AS desktop_in_us,
       count(*) FILTER (WHERE s.typed ->> 'status' = 'enabled') AS typed_enabled
FROM serial_decisions s JOIN parallel_decisions p USING (visitor_id);
-- The bucket values agree with convert.bucket_value row by row
SELECT count(*) FILTER (WHERE (checkout ->> 'bucketingAllocation')::int
                              <> convert.bucket_value(visitor_id, '3003')) AS wrong_values
FROM serial_decisions WHERE checkout IS NOT NULL;
DROP TABLE decision_visitors;
