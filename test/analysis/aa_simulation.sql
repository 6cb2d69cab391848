-- 1,000 A/A experiments generated in the database, to see the error
-- rates the read-outs promise.  Each experiment has an original and two
-- variations, two goals (conversion probability 10% and 30% in every arm:
-- no real difference anywhere) and runs 14 days with 100 new visitors per
-- arm and day; results are looked at after every day.  Each (day, arm,
-- goal) count is a sum of per-visitor Bernoulli draws.
--
-- The tests are the ones convert.experience_analysis calls
-- (two_proportion_test, sequential_test, adjusted_p_values); the reference
-- suite checks that experience_analysis computes what these compute.
-- Prints one line per rate and whether it is within its bound.
\set ON_ERROR_STOP on
SELECT setseed(0.2026);
CREATE TEMP TABLE daily AS
SELECT e, day, arm, goal,
       -- correlated, so drawn again for every row
       (SELECT count(v) FILTER (WHERE random() < CASE goal WHEN 1 THEN 0.1 ELSE 0.3 END)
        FROM generate_series(1, 100) AS v) AS converted
FROM generate_series(1, 1000) AS e, generate_series(1, 14) AS day,
     generate_series(0, 2) AS arm, generate_series(1, 2) AS goal;
CREATE TEMP TABLE peeks AS
SELECT e, day, arm, goal, 100 * day AS visitors,
       sum(converted) OVER (PARTITION BY e, arm, goal ORDER BY day) AS converted
FROM daily;
CREATE TEMP TABLE tests AS
SELECT s.e, s.day, s.arm, s.goal, f.p_value AS fixed_p, q.p_value AS sequential_p
FROM peeks AS s
JOIN peeks AS o ON o.e = s.e AND o.day = s.day AND o.goal = s.goal AND o.arm = 0
CROSS JOIN LATERAL convert.two_proportion_test(o.visitors, o.converted::bigint,
                                               s.visitors, s.converted::bigint) AS f
CROSS JOIN LATERAL convert.sequential_test(
    o.visitors, o.converted::float8 / o.visitors, (o.converted::float8 / o.visitors) * (1 - o.converted::float8 / o.visitors),
    s.visitors, s.converted::float8 / s.visitors, (s.converted::float8 / s.visitors) * (1 - s.converted::float8 / s.visitors)) AS q
WHERE s.arm > 0;

-- per experiment at the end: the family of 4 tests, adjusted
CREATE TEMP TABLE final_families AS
SELECT e, array_agg(fixed_p ORDER BY arm, goal) AS p,
       convert.adjusted_p_values(array_agg(fixed_p ORDER BY arm, goal), 'holm') AS holm,
       convert.adjusted_p_values(array_agg(fixed_p ORDER BY arm, goal), 'bh') AS bh
FROM tests WHERE day = 14 GROUP BY e;

WITH rates AS (
    SELECT 'fixed horizon, one look at day 14 (per test)' AS what,
           avg((fixed_p < 0.05)::int) AS rate, 0.035 AS low, 0.065 AS high
    FROM tests WHERE day = 14
    UNION ALL
    SELECT 'fixed horizon, peeked daily (per test)',
           avg(peeked::int), NULL, NULL
    FROM (SELECT bool_or(fixed_p < 0.05) AS peeked FROM tests GROUP BY e, arm, goal) AS x
    UNION ALL
    SELECT 'sequential, peeked daily (per test)',
           avg(peeked::int), 0, 0.05
    FROM (SELECT bool_or(sequential_p < 0.05) AS peeked FROM tests GROUP BY e, arm, goal) AS x
    UNION ALL
    SELECT 'no correction, any of 4 rejected (per experiment)',
           avg((SELECT bool_or(x < 0.05) FROM unnest(p) AS x)::int), NULL, NULL
    FROM final_families
    UNION ALL
    -- every hypothesis is null, so the false discovery rate is the share of
    -- experiments with any discovery; the bound allows 2 binomial standard
    -- deviations of 1000 experiments above alpha
    SELECT 'Benjamini-Hochberg false discovery rate (per experiment)',
           avg((SELECT bool_or(x < 0.05) FROM unnest(bh) AS x)::int), 0, 0.0638
    FROM final_families
    UNION ALL
    SELECT 'Holm family-wise error rate (per experiment)',
           avg((SELECT bool_or(x < 0.05) FROM unnest(holm) AS x)::int), 0, 0.0638
    FROM final_families
)
SELECT what || ': ' || round(rate, 4) ||
       CASE WHEN low IS NULL THEN ' (shown, no bound)'
            WHEN rate BETWEEN low AND high THEN ' ok (bound ' || low || '..' || high || ')'
            ELSE ' OUT OF BOUND ' || low || '..' || high END
FROM rates;
