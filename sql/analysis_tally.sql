-- convert_internal.analysis_tally (C, one pass grouped by visitor) against a plain
-- SQL statement of the same definition, over generated data with the edge
-- cases that matter: conversions before exposure, visitors never exposed,
-- other projects and experiences, repeated plain conversions, several
-- transactions, mixed decimal scales, non-ASCII and compressed (long)
-- visitor ids, outliers by value and by percentile, and time windows.
-- Every comparison must list no differences.
SELECT setseed(0.42);

INSERT INTO convert.accounts (id, name) VALUES (92, 'tally test');
INSERT INTO convert.projects (id, account_id, name) VALUES (92, 92, 'tally'), (93, 92, 'other');
INSERT INTO convert.experiences (project_id, id, key, status)
VALUES (92, 300, 'three-arms', 'active'), (92, 301, 'elsewhere', 'active');
INSERT INTO convert.variations (project_id, experience_id, position, id, key, traffic_allocation)
VALUES (92, 300, 0, 3001, 'a', 34), (92, 300, 1, 3002, 'b', 33), (92, 300, 2, 3003, 'c', 33),
       (92, 301, 0, 3011, 'x', 50), (92, 301, 1, 3012, 'y', 50);
SELECT convert.ensure_event_partitions('2026-01-25', '2026-03-01') > 0 AS partitions_created;

-- 3000 visitors: plain, non-ASCII, and 3000-character ids (stored compressed)
CREATE TABLE regress.tally_visitors AS
SELECT i, CASE i % 10 WHEN 0 THEN 'visiteur-é-' || i WHEN 1 THEN 'v-' || i || repeat('x', 3000)
                      ELSE 'v-' || i END AS visitor_id,
       timestamptz '2026-02-01' + (random() * 10) * interval '1 day' AS exposed_at
FROM generate_series(1, 3000) AS i;
-- 2700 exposed to experience 300, the rest to experience 301 only
INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at)
SELECT 92, visitor_id, CASE WHEN i <= 2700 THEN 300 ELSE 301 END,
       CASE WHEN i <= 2700 THEN 3001 + i % 3 ELSE 3011 + i % 2 END, exposed_at
FROM regress.tally_visitors;
-- about 7200 conversions on four goals, some before exposure; one in
-- three carries goal data with an amount of scale 0, 1, 2 or 3
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id,
                            amount, products_count, goal_data)
SELECT d.exposed_at + (random() * 8 - 2) * interval '1 day', 92, visitor_id, 'conversion',
       601 + (random() * 3)::int,
       CASE WHEN with_data THEN round((random() * 200)::numeric, (random() * 3)::int) END,
       CASE WHEN with_data AND random() < 0.8 THEN 1 + (random() * 4)::int END,
       CASE WHEN with_data THEN '[{"key":"amount","value":1}]'::jsonb END
-- (random() in a subquery's list is drawn per row: the subquery stays as it is)
FROM (SELECT visitor_id, exposed_at, random() < 0.33 AS with_data, random() < 0.6 AS sent
      FROM regress.tally_visitors, generate_series(1, 4)) AS d
WHERE sent;
-- conversions at the very moment of exposure count
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount, goal_data)
SELECT exposed_at, 92, visitor_id, 'conversion', 604, 12.5, '[]'
FROM regress.tally_visitors WHERE i % 5 = 0;
-- the same visitors' conversions in another project do not count
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount, goal_data)
SELECT '2026-02-20', 93, visitor_id, 'conversion', 601, 1000, '[]'
FROM regress.tally_visitors WHERE i % 7 = 0;
SELECT count(*) > 6500 AS enough_conversions FROM convert.events WHERE project_id = 92;

-- The reference: conversions at or after exposure, grouped by visitor.
CREATE FUNCTION regress.tally_reference(p bigint, e bigint, t0 timestamptz, t1 timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS TABLE (variation_id bigint, goal_id bigint, converting_visitors bigint,
               conversions bigint, revenue numeric, products numeric, revenue_squares float8)
LANGUAGE sql STABLE AS $$
    WITH conversion AS (
        SELECT vb.variation_id, vb.visitor_id, ev.goal_id, ev.goal_data, ev.amount, ev.products_count
        FROM convert.visitor_bucketing AS vb
        JOIN convert.events AS ev
          ON ev.project_id = vb.project_id AND ev.visitor_id = vb.visitor_id
         AND ev.event_type = 'conversion' AND ev.received_at >= vb.bucketed_at
        WHERE vb.project_id = p AND vb.experience_id = e
          AND vb.bucketed_at >= coalesce(t0, '-infinity') AND vb.bucketed_at < coalesce(t1, 'infinity')
          AND ev.received_at >= coalesce(t0, '-infinity') AND ev.received_at < coalesce(t1, 'infinity')
    ), bounds AS (
        SELECT CASE WHEN order_percentiles
                    THEN percentile_disc(order_low::float8 / 100) WITHIN GROUP (ORDER BY c.amount)
                    ELSE order_low END AS order_low,
               CASE WHEN order_percentiles
                    THEN percentile_disc(order_high::float8 / 100) WITHIN GROUP (ORDER BY c.amount)
                    ELSE order_high END AS order_high,
               CASE WHEN products_percentiles
                    THEN percentile_disc(products_low::float8 / 100) WITHIN GROUP (ORDER BY c.products_count)
                    ELSE products_low END AS products_low,
               CASE WHEN products_percentiles
                    THEN percentile_disc(products_high::float8 / 100) WITHIN GROUP (ORDER BY c.products_count)
                    ELSE products_high END AS products_high
        FROM conversion AS c
    ), per_visitor AS (
        SELECT c.variation_id, c.visitor_id, c.goal_id,
               greatest(count(*) FILTER (WHERE c.goal_data IS NULL),
                        count(*) FILTER (WHERE c.goal_data IS NOT NULL)) AS conversions,
               coalesce(sum(c.amount) FILTER (WHERE c.amount BETWEEN coalesce(b.order_low, c.amount)
                                                              AND coalesce(b.order_high, c.amount)), 0) AS revenue,
               coalesce(sum(c.products_count) FILTER (
                   WHERE c.products_count BETWEEN coalesce(b.products_low, c.products_count)
                                              AND coalesce(b.products_high, c.products_count)), 0) AS products
        FROM conversion AS c, bounds AS b
        GROUP BY c.variation_id, c.visitor_id, c.goal_id
    )
    SELECT pv.variation_id, pv.goal_id, count(*), sum(pv.conversions)::bigint, sum(pv.revenue),
           sum(pv.products), sum(pv.revenue * pv.revenue)::float8
    FROM per_visitor AS pv
    GROUP BY pv.variation_id, pv.goal_id
$$;

-- Differences between the two, field by field: revenue and products as
-- text, so that the scale must match too; the sums of squared revenue
-- (float8, summed in a different order) to 12 significant digits.
CREATE FUNCTION regress.tally_differences(p bigint, e bigint, t0 timestamptz, t1 timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS TABLE (tally text, reference text)
LANGUAGE sql STABLE AS $$
    SELECT c::text, r::text
    FROM convert_internal.analysis_tally(p, e, t0, t1, order_low, order_high, order_percentiles,
                                products_low, products_high, products_percentiles) AS c
    FULL JOIN regress.tally_reference(p, e, t0, t1, order_low, order_high, order_percentiles,
                                      products_low, products_high, products_percentiles) AS r
      ON r.variation_id = c.variation_id AND r.goal_id = c.goal_id
    WHERE c IS NULL OR r IS NULL
       OR (c.converting_visitors, c.conversions, c.revenue::text, c.products::text)
          IS DISTINCT FROM (r.converting_visitors, r.conversions, r.revenue::text, r.products::text)
       OR abs(c.revenue_squares - r.revenue_squares) > 1e-12 * greatest(1, abs(r.revenue_squares))
$$;

-- the data has what the comparisons need
SELECT count(*) FILTER (WHERE pg_column_compression(visitor_id) IS NOT NULL) AS compressed_ids
FROM convert.visitor_bucketing WHERE project_id = 92;
SELECT count(*) AS variation_goal_rows, sum(converting_visitors) > 2000 AS many_converting,
       bool_or(revenue::text ~ '\.\d{3}$') AS revenue_scale_3
FROM convert_internal.analysis_tally(92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false);

-- no bounds, whole time
SELECT * FROM regress.tally_differences(92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false);
-- a window
SELECT * FROM regress.tally_differences(92, 300, '2026-02-04', '2026-02-09 12:00',
                                        NULL, NULL, false, NULL, NULL, false);
-- fixed bounds, one side open
SELECT * FROM regress.tally_differences(92, 300, NULL, NULL, 10.5, 150, false, NULL, 3, false);
-- percentiles of order values and of product counts
SELECT * FROM regress.tally_differences(92, 300, NULL, NULL, 5, 95, true, 10, 90, true);
SELECT * FROM regress.tally_differences(92, 300, '2026-02-05', NULL, 0, 100, true, NULL, 50, true);
-- the other experience, and one nobody saw
SELECT * FROM regress.tally_differences(92, 301, NULL, NULL, NULL, NULL, false, NULL, NULL, false);
SELECT count(*) AS rows_for_unseen_experience
FROM convert_internal.analysis_tally(92, 999, NULL, NULL, NULL, NULL, false, NULL, NULL, false);
-- a window with no conversions
SELECT count(*) AS rows_before_any_exposure
FROM convert_internal.analysis_tally(92, 300, '2025-01-01', '2026-02-01', NULL, NULL, false, NULL, NULL, false);

-- Parallel scans feed the same tally: with parallel plans made cheap, then
-- with none, the totals are the same
SET parallel_setup_cost = 0;
SET min_parallel_table_scan_size = 0;
CREATE TABLE regress.tally_parallel AS
SELECT * FROM convert_internal.analysis_tally(92, 300, NULL, NULL, 5, 95, true, NULL, NULL, false);
SET max_parallel_workers_per_gather = 0;
-- (squared revenue is summed in arrival order: equal to 12 digits)
SELECT count(*) AS differences
FROM regress.tally_parallel AS p
FULL JOIN convert_internal.analysis_tally(92, 300, NULL, NULL, 5, 95, true, NULL, NULL, false) AS s
  ON s.variation_id = p.variation_id AND s.goal_id = p.goal_id
WHERE p IS NULL OR s IS NULL
   OR (s.converting_visitors, s.conversions, s.revenue::text, s.products::text)
      IS DISTINCT FROM (p.converting_visitors, p.conversions, p.revenue::text, p.products::text)
   OR abs(s.revenue_squares - p.revenue_squares) > 1e-12 * greatest(1, abs(p.revenue_squares));
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_setup_cost;

-- Errors name the problem
SELECT regress.try($$SELECT * FROM convert_internal.analysis_tally(NULL, 300, NULL, NULL, NULL, NULL,
                                                         false, NULL, NULL, false)$$);
SELECT regress.try($$SELECT * FROM convert_internal.analysis_tally(92, 300, NULL, NULL, 5, 101,
                                                         true, NULL, NULL, false)$$);
-- an order value that cannot be summed stops the analysis (and nothing leaks)
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount, goal_data)
VALUES ('2026-02-27', 92, 'v-2', 'conversion', 601, 'NaN', '[]');
SELECT regress.try($$SELECT * FROM convert_internal.analysis_tally(92, 300, NULL, NULL, NULL, NULL,
                                                         false, NULL, NULL, false)$$);
-- ... and its detail names the conversion
DO $$
DECLARE
    detail text;
BEGIN
    PERFORM * FROM convert_internal.analysis_tally(92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false);
EXCEPTION WHEN numeric_value_out_of_range THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RAISE NOTICE '%', detail;
END $$;
DELETE FROM convert.events WHERE project_id = 92 AND amount = 'NaN';
-- the memory limit stops an analysis that would outgrow it, and says how to go on
SET convert.analysis_memory_limit = '1MB';
SELECT regress.try($$SELECT * FROM convert_internal.analysis_tally(92, 300, NULL, NULL, NULL, NULL,
                                                         false, NULL, NULL, false)$$);
SELECT count(*) AS rows_for_a_small_window
FROM convert_internal.analysis_tally(92, 300, '2026-02-01', '2026-02-02', NULL, NULL, false, NULL, NULL, false);
RESET convert.analysis_memory_limit;
SELECT count(*) AS rows_after_cleanup
FROM convert_internal.analysis_tally(92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false);

-- On Citus (docs/citus.md) each worker runs the same tally over its pair of
-- shards (analysis_tally_shard) and the coordinator adds the rows up
-- (analysis_tally_sum).  Over the tracking tables themselves the shard
-- function gives analysis_tally's rows.
CREATE FUNCTION regress.tally_shard_differences(shard_rows convert_internal.tally_totals[], bounds numeric[])
RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*)
    FROM unnest(shard_rows) AS p
    FULL JOIN convert_internal.analysis_tally(92, 300, NULL, NULL, bounds[1], bounds[2], false,
                                              bounds[3], bounds[4], false) AS s
      ON s.variation_id = p.variation_id AND s.goal_id = p.goal_id
    WHERE p IS NULL OR s IS NULL
       OR (s.converting_visitors, s.conversions, s.revenue::text, s.products::text)
          IS DISTINCT FROM (p.converting_visitors, p.conversions, p.revenue::text, p.products::text)
       OR abs(s.revenue_squares - p.revenue_squares) > 1e-12 * greatest(1, abs(p.revenue_squares))
$$;
SELECT regress.tally_shard_differences(array_agg(t), NULL) AS shard_function_differences,
       count(*) AS shard_function_rows
FROM convert_internal.analysis_tally_shard('convert.visitor_bucketing', 'convert.events',
                                           92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false) AS t;
-- two "shards": the visitors split in two by a hash, as Citus splits them
CREATE TABLE regress.vb_shard_0 AS SELECT * FROM convert.visitor_bucketing WHERE hashtext(visitor_id) % 2 = 0;
CREATE TABLE regress.vb_shard_1 AS SELECT * FROM convert.visitor_bucketing WHERE hashtext(visitor_id) % 2 <> 0;
CREATE TABLE regress.ev_shard_0 AS SELECT * FROM convert.events WHERE hashtext(visitor_id) % 2 = 0;
CREATE TABLE regress.ev_shard_1 AS SELECT * FROM convert.events WHERE hashtext(visitor_id) % 2 <> 0;
CREATE FUNCTION regress.tally_of_two_shards(bounds numeric[]) RETURNS SETOF convert_internal.tally_totals
LANGUAGE sql AS $$
    SELECT * FROM convert_internal.analysis_tally_sum(ARRAY[
        (SELECT json_agg(t) FROM convert_internal.analysis_tally_shard('regress.vb_shard_0', 'regress.ev_shard_0',
             92, 300, NULL, NULL, bounds[1], bounds[2], false, bounds[3], bounds[4], false) AS t)::text,
        (SELECT json_agg(t) FROM convert_internal.analysis_tally_shard('regress.vb_shard_1', 'regress.ev_shard_1',
             92, 300, NULL, NULL, bounds[1], bounds[2], false, bounds[3], bounds[4], false) AS t)::text,
        '[]'])
$$;
-- each shard has part of every variation's converting visitors; the sums are whole
SELECT (SELECT count(*) FROM convert_internal.analysis_tally_shard('regress.vb_shard_0', 'regress.ev_shard_0',
            92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false) AS t
        WHERE t.converting_visitors > 0) AS shard_0_rows,
       (SELECT sum(t.converting_visitors) FROM convert_internal.analysis_tally_shard('regress.vb_shard_1',
            'regress.ev_shard_1', 92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false) AS t)
       < (SELECT sum(t.converting_visitors) FROM convert_internal.analysis_tally(92, 300, NULL, NULL,
            NULL, NULL, false, NULL, NULL, false) AS t) AS shard_1_has_part;
SELECT regress.tally_shard_differences(array_agg(t), NULL) AS summed_differences, count(*) AS summed_rows
FROM regress.tally_of_two_shards(NULL) AS t;
SELECT regress.tally_shard_differences(array_agg(t), '{10.5, 150, NULL, 3}') AS bounded_differences
FROM regress.tally_of_two_shards('{10.5, 150, NULL, 3}') AS t;
-- no shard at all, or shards without rows: nothing
SELECT count(*) AS rows_of_no_shards FROM convert_internal.analysis_tally_sum('{}');
SELECT count(*) AS rows_of_empty_shards FROM convert_internal.analysis_tally_sum('{[], []}');
-- the relations must exist; the scans read them as the caller
SELECT regress.try($$SELECT * FROM convert_internal.analysis_tally_shard(NULL, 'convert.events',
                                   92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false)$$);
SELECT regress.try($$SELECT * FROM convert_internal.analysis_tally_shard(0, 'convert.events',
                                   92, 300, NULL, NULL, NULL, NULL, false, NULL, NULL, false)$$);
SELECT has_function_privilege('convert_analyst', 'convert_internal.analysis_tally_shard(regclass, regclass,
           bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean, numeric, numeric, boolean)',
           'EXECUTE') AS analyst_may_call,
       has_function_privilege('public', 'convert_internal.analysis_tally_shard(regclass, regclass,
           bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean, numeric, numeric, boolean)',
           'EXECUTE') AS public_may_call;
DROP TABLE regress.vb_shard_0, regress.vb_shard_1, regress.ev_shard_0, regress.ev_shard_1;
