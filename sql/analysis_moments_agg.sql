-- convert.metric_moments: per-group moments of a metric and its covariate,
-- checked against PostgreSQL's own aggregates over the same rows, serial
-- and with a parallel plan (partial aggregation: each worker's state is
-- serialised, the leader deserialises and combines them), and with values
-- where sums of squares would cancel.
SET client_min_messages TO warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;

CREATE TABLE regress.moments_rows AS
SELECT i % 3 AS arm,
       CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7919 % 1000) / 10.0 END::float8 AS y,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 104729 % 500) / 7.0 END::float8 AS x
FROM generate_series(1::bigint, 200000) AS i;
ANALYZE regress.moments_rows;

-- The same numbers by PostgreSQL's aggregates (x NULL counts as 0).
CREATE VIEW regress.moments_expected AS
SELECT arm, count(y) AS n, avg(y) AS mean, var_samp(y) AS variance,
       sum(y) AS sum_y, sum(y * y) AS sum_yy,
       sum(coalesce(x, 0)) FILTER (WHERE y IS NOT NULL) AS sum_x,
       sum(coalesce(x, 0) ^ 2) FILTER (WHERE y IS NOT NULL) AS sum_xx,
       sum(coalesce(x, 0) * y) AS sum_xy
FROM regress.moments_rows GROUP BY arm;

CREATE FUNCTION regress.moments_disagree(got convert.moments, want regress.moments_expected)
RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(name, ', ')
    FROM (VALUES ('n', got.n::float8, want.n::float8), ('mean', got.mean, want.mean),
                 ('variance', got.variance, want.variance), ('sum_y', got.sum_y, want.sum_y),
                 ('sum_yy', got.sum_yy, want.sum_yy), ('sum_x', got.sum_x, want.sum_x),
                 ('sum_xx', got.sum_xx, want.sum_xx), ('sum_xy', got.sum_xy, want.sum_xy))
         AS v(name, g, w)
    WHERE abs(g - w) > 1e-9 * greatest(abs(w), 1)
$$;

-- Serial.
SET max_parallel_workers_per_gather = 0;
SELECT e.arm, (m).n, regress.moments_disagree(m, e) AS disagree
FROM (SELECT arm, convert.metric_moments(y, x) AS m FROM regress.moments_rows GROUP BY arm) AS g
JOIN regress.moments_expected AS e USING (arm)
ORDER BY arm;

-- Parallel: partial aggregates in the workers, combined in the leader.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
CREATE FUNCTION regress.plan_lines(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query;
END
$$;
SELECT bool_or(line ~ 'Partial \w*Aggregate') AS partial_aggregate,
       bool_or(line ~ '^Finalize') AS finalize,
       bool_or(line ~ 'Workers Launched: [1-9]') AS workers_ran
FROM regress.plan_lines('SELECT arm, convert.metric_moments(y, x) FROM regress.moments_rows GROUP BY arm')
     AS line;
SELECT e.arm, (m).n, regress.moments_disagree(m, e) AS disagree
FROM (SELECT arm, convert.metric_moments(y, x) AS m FROM regress.moments_rows GROUP BY arm) AS g
JOIN regress.moments_expected AS e USING (arm)
ORDER BY arm;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- Without a covariate it is x = 0; no rows (or only NULL metrics) is NULL.
SELECT (convert.metric_moments(y)).* FROM (VALUES (1.0::float8), (2), (NULL), (6)) AS v(y);
SELECT convert.metric_moments(y, x) IS NULL AS no_rows
FROM regress.moments_rows WHERE false;
SELECT convert.metric_moments(NULL::float8) IS NULL AS only_nulls;
-- One value: its mean, no variance.
SELECT (convert.metric_moments(5, 2)).*;

-- 1e9 + {4, 7, 13, 16}: variance exactly 30, where sums of squares lose it.
SELECT (m).variance, (m).mean, ((m).sum_xy - (m).sum_x * (m).mean) / 3 AS covariance
FROM (SELECT convert.metric_moments(1e9 + d, d) AS m
      FROM (VALUES (4.0::float8), (7), (13), (16)) AS v(d)) AS s;

-- Feeding welch_test: arm 1 against arm 0.
SELECT round(w.p_value::numeric, 9) AS p_value, round(w.difference::numeric, 9) AS difference
FROM (SELECT arm, convert.metric_moments(y) AS m FROM regress.moments_rows GROUP BY arm) AS a,
     (SELECT arm, convert.metric_moments(y) AS m FROM regress.moments_rows GROUP BY arm) AS b,
     LATERAL convert.welch_test((a.m).n, (a.m).mean, (a.m).variance,
                                (b.m).n, (b.m).mean, (b.m).variance) AS w
WHERE a.arm = 0 AND b.arm = 1;
SELECT round(w.p_value::numeric, 9) AS p_value, round(w.difference::numeric, 9) AS difference
FROM (SELECT count(y) AS n, avg(y) AS mean, var_samp(y) AS variance
      FROM regress.moments_rows WHERE arm = 0) AS a,
     (SELECT count(y) AS n, avg(y) AS mean, var_samp(y) AS variance
      FROM regress.moments_rows WHERE arm = 1) AS b,
     LATERAL convert.welch_test(a.n, a.mean, a.variance, b.n, b.mean, b.variance) AS w;

DROP TABLE regress.moments_rows CASCADE;
DROP FUNCTION regress.plan_lines(text);
