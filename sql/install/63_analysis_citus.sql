-- Experiment analysis on Citus (docs/citus.md, "Analysis"): each worker
-- tallies its own visitors and the coordinator adds the sums.
--
-- A visitor's assignment and conversions live in one co-located pair of
-- shards of convert.visitor_bucketing and convert.events, and every total
-- of analysis_tally and analysis_moments is a sum over visitors.  So the
-- same C tally runs on each pair of shards (the *_shard functions), each
-- returns its few rows per variation and goal as one json array, and the
-- coordinator adds them up (the *_sum functions): per-visitor rows never
-- leave the workers.  Percentile outlier bounds need every order value at
-- once, so experience_results and experience_analysis keep the
-- coordinator's tally for them.

-- The rows of analysis_tally and analysis_moments, as the functions here
-- pass them on: from the shards, summed, and to the readouts.
CREATE TYPE convert_internal.tally_totals AS (
    variation_id bigint, goal_id bigint, converting_visitors bigint,
    conversions bigint, revenue numeric, products numeric, revenue_squares float8);
CREATE TYPE convert_internal.tally_moments AS (
    variation_id bigint, goal_id bigint, converting_visitors bigint,
    conversions bigint, revenue numeric, products numeric, revenue_squares float8,
    pre_visitors bigint, both_visitors bigint, pre_revenue float8,
    pre_revenue_squares float8, revenue_cross float8,
    orders bigint, orders_squares float8, products_squares float8,
    products_orders float8, dimension_value text);

-- analysis_tally over the given relations instead of the tracking tables:
-- on Citus one co-located pair of shards.  Not SECURITY DEFINER: the
-- scans read the relations as the caller.
CREATE FUNCTION convert_internal.analysis_tally_shard(exposures regclass, conversions regclass,
    project_id bigint, experience_id bigint, from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS SETOF convert_internal.tally_totals
AS 'MODULE_PATHNAME', 'convert_analysis_tally_shard'
-- as analysis_tally: its own (parallel) queries run in the leader
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01;
REVOKE ALL ON FUNCTION convert_internal.analysis_tally_shard(regclass, regclass, bigint, bigint,
    timestamptz, timestamptz, numeric, numeric, boolean, numeric, numeric, boolean) FROM PUBLIC;

-- analysis_moments over the given relations: on Citus one co-located pair
-- of shards, and the shard of the reference table convert.segment_sets
-- (read with a dimension).
CREATE FUNCTION convert_internal.analysis_moments_shard(exposures regclass, conversions regclass,
    segments regclass, project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean,
    lookback interval, dimension text)
RETURNS SETOF convert_internal.tally_moments
AS 'MODULE_PATHNAME', 'convert_analysis_moments_shard'
-- as analysis_moments
LANGUAGE C STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
SET parallel_tuple_cost = 0.01
SET enable_nestloop = off;
REVOKE ALL ON FUNCTION convert_internal.analysis_moments_shard(regclass, regclass, regclass,
    bigint, bigint, timestamptz, timestamptz, numeric, numeric, boolean, numeric, numeric, boolean,
    interval, text) FROM PUBLIC;

-- The rows of analysis_tally_shard over several shards, each shard's as a
-- json array of its rows, added up per variation and goal: revenue and
-- products as numeric (exact), squared revenue as float8.
CREATE FUNCTION convert_internal.analysis_tally_sum(shard_rows text[])
RETURNS SETOF convert_internal.tally_totals
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.variation_id, t.goal_id, sum(t.converting_visitors)::bigint, sum(t.conversions)::bigint,
           sum(t.revenue), sum(t.products), sum(t.revenue_squares)
    FROM unnest(shard_rows) AS s(rows_json),
         json_populate_recordset(NULL::convert_internal.tally_totals, s.rows_json::json) AS t
    GROUP BY t.variation_id, t.goal_id
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_tally_sum(text[]) FROM PUBLIC;

-- The same for analysis_moments_shard: per variation, dimension value and goal.
CREATE FUNCTION convert_internal.analysis_moments_sum(shard_rows text[])
RETURNS SETOF convert_internal.tally_moments
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.variation_id, t.goal_id, sum(t.converting_visitors)::bigint, sum(t.conversions)::bigint,
           sum(t.revenue), sum(t.products), sum(t.revenue_squares),
           sum(t.pre_visitors)::bigint, sum(t.both_visitors)::bigint, sum(t.pre_revenue),
           sum(t.pre_revenue_squares), sum(t.revenue_cross),
           sum(t.orders)::bigint, sum(t.orders_squares), sum(t.products_squares),
           sum(t.products_orders), t.dimension_value
    FROM unnest(shard_rows) AS s(rows_json),
         json_populate_recordset(NULL::convert_internal.tally_moments, s.rows_json::json) AS t
    GROUP BY t.variation_id, t.dimension_value, t.goal_id
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_moments_sum(text[]) FROM PUBLIC;

-- Run a query on every co-located pair of shards of
-- convert.visitor_bucketing and convert.events, all at once, and return
-- each pair's one-value answer.  The query names the pair's shards as
-- %L and %L (in that order; any other % doubled), as
-- run_command_on_colocated_placements substitutes them.  The workers run
-- it in sessions of their own, as the caller, on committed data.  Only on
-- Citus.
CREATE FUNCTION convert_internal.analysis_on_shards(shard_query text)
RETURNS text[]
-- it opens connections to the workers
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, convert, pg_temp
AS $$
DECLARE
    answers text[];
    shards bigint;
    failed_shard bigint;
    failure text;
BEGIN
    WITH placement AS MATERIALIZED (
        SELECT r.shardid1 AS shard, r.success, r.result
        FROM run_command_on_colocated_placements('convert.visitor_bucketing', 'convert.events',
                                                 shard_query) AS r
    ), answer AS (
        -- with more than one placement per shard, one answer per shard
        SELECT DISTINCT ON (pl.shard) pl.shard, pl.result FROM placement AS pl ORDER BY pl.shard
    )
    SELECT (SELECT array_agg(a.result ORDER BY a.shard) FROM answer AS a),
           (SELECT pl.shard FROM placement AS pl WHERE NOT pl.success ORDER BY pl.shard LIMIT 1),
           (SELECT pl.result FROM placement AS pl WHERE NOT pl.success ORDER BY pl.shard LIMIT 1)
    INTO answers, failed_shard, failure;
    IF failed_shard IS NOT NULL THEN
        -- the worker's error as Citus passes it on: "ERROR:  message",
        -- maybe followed by more lines
        failure := rtrim(left(failure, 2000), E'\n');
        RAISE EXCEPTION '%', regexp_replace(split_part(failure, E'\n', 1), '^ERROR:\s*', '')
            USING ERRCODE = 'external_routine_exception',
                  DETAIL = concat_ws(E'\n', nullif(substr(failure, length(split_part(failure, E'\n', 1)) + 2), ''),
                                     format('(On shard %s of convert.visitor_bucketing, on a Citus worker.)',
                                            failed_shard));
    END IF;
    SELECT count(*) INTO shards FROM pg_dist_shard AS s
    WHERE s.logicalrelid = 'convert.visitor_bucketing'::regclass;
    IF coalesce(cardinality(answers), 0) <> shards THEN
        RAISE EXCEPTION 'analysis reached % of the % shards of convert.visitor_bucketing',
                        coalesce(cardinality(answers), 0), shards
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Each shard needs a placement of both tables on one node (co-located).';
    END IF;
    RETURN answers;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_on_shards(text) FROM PUBLIC;

-- analysis_tally's rows (fixed bounds only) from the workers: each pair of
-- shards tallied by analysis_tally_shard, added up here.  Values enter the
-- workers' query only as literals: times as ISO 8601 (to_json), whatever
-- the sessions' DateStyle.
CREATE FUNCTION convert_internal.analysis_tally_citus(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, products_low numeric, products_high numeric)
RETURNS SETOF convert_internal.tally_totals
LANGUAGE sql STABLE
SET search_path = pg_catalog, convert, pg_temp
AS $$
    SELECT t.*
    FROM convert_internal.analysis_tally_sum(convert_internal.analysis_on_shards(format(
        'SELECT coalesce(json_agg(t), ''[]'') FROM convert_internal.analysis_tally_shard('
        '%%L, %%L, %s::bigint, %s::bigint, %L::timestamptz, %L::timestamptz, '
        '%L::numeric, %L::numeric, false, %L::numeric, %L::numeric, false) AS t',
        project_id, experience_id, to_json(from_time) #>> '{}', to_json(to_time) #>> '{}',
        order_low, order_high, products_low, products_high))) AS t
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_tally_citus(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, numeric, numeric) FROM PUBLIC;

-- analysis_moments' rows (fixed bounds only) from the workers, the same
-- way; with a dimension the workers read their copy of the reference
-- table convert.segment_sets.
CREATE FUNCTION convert_internal.analysis_moments_citus(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, products_low numeric, products_high numeric,
    lookback interval, dimension text)
RETURNS SETOF convert_internal.tally_moments
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, convert, pg_temp
-- the lookback as a literal the workers read back the same
SET IntervalStyle = postgres
AS $$
DECLARE
    segments text;
BEGIN
    SELECT shard_name(s.logicalrelid, s.shardid) INTO segments
    FROM pg_dist_shard AS s WHERE s.logicalrelid = 'convert.segment_sets'::regclass;
    IF segments IS NULL THEN
        RAISE EXCEPTION 'convert.segment_sets is not a Citus reference table'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run SELECT convert.citus_distribute(); it distributes what is left.';
    END IF;
    RETURN QUERY
    SELECT t.*
    FROM convert_internal.analysis_moments_sum(convert_internal.analysis_on_shards(format(
        'SELECT coalesce(json_agg(t), ''[]'') FROM convert_internal.analysis_moments_shard('
        '%%L, %%L, %L, %s::bigint, %s::bigint, %L::timestamptz, %L::timestamptz, '
        '%L::numeric, %L::numeric, false, %L::numeric, %L::numeric, false, %L::interval, %L) AS t',
        replace(segments, '%', '%%'), project_id, experience_id,
        to_json(from_time) #>> '{}', to_json(to_time) #>> '{}',
        order_low, order_high, products_low, products_high, lookback,
        replace(dimension, '%', '%%')))) AS t;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.analysis_moments_citus(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, numeric, numeric, interval, text) FROM PUBLIC;

-- The tally an experience's readouts use, with analysis_tally's arguments
-- and rows: on the workers when the tracking tables are distributed and no
-- outlier bound is a percentile (a percentile needs every order value at
-- once), else analysis_tally here.
CREATE FUNCTION convert_internal.experience_tally(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean)
RETURNS SETOF convert_internal.tally_totals
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF coalesce(order_percentiles OR products_percentiles, false)
       OR NOT convert_internal.citus_tracking() THEN
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_tally(
            experience_tally.project_id, experience_tally.experience_id, from_time, to_time,
            order_low, order_high, order_percentiles,
            products_low, products_high, products_percentiles) AS t;
    ELSE
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_tally_citus(
            experience_tally.project_id, experience_tally.experience_id, from_time, to_time,
            order_low, order_high, products_low, products_high) AS t;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.experience_tally(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, boolean, numeric, numeric, boolean) FROM PUBLIC;

-- The same choice for analysis_moments, with its arguments and rows.
CREATE FUNCTION convert_internal.experience_moments(project_id bigint, experience_id bigint,
    from_time timestamptz, to_time timestamptz,
    order_low numeric, order_high numeric, order_percentiles boolean,
    products_low numeric, products_high numeric, products_percentiles boolean,
    lookback interval, dimension text)
RETURNS SETOF convert_internal.tally_moments
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, convert, pg_temp
AS $$
BEGIN
    IF coalesce(order_percentiles OR products_percentiles, false)
       OR NOT convert_internal.citus_tracking() THEN
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_moments(
            experience_moments.project_id, experience_moments.experience_id, from_time, to_time,
            order_low, order_high, order_percentiles,
            products_low, products_high, products_percentiles, lookback, dimension) AS t;
    ELSE
        RETURN QUERY SELECT t.* FROM convert_internal.analysis_moments_citus(
            experience_moments.project_id, experience_moments.experience_id, from_time, to_time,
            order_low, order_high, products_low, products_high, lookback, dimension) AS t;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION convert_internal.experience_moments(bigint, bigint, timestamptz, timestamptz,
    numeric, numeric, boolean, numeric, numeric, boolean, interval, text) FROM PUBLIC;
