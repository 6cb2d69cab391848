-- The bucketing functions are PARALLEL SAFE: a parallel seq scan gives the
-- same answers as a serial one.
CREATE TABLE visitors AS
SELECT 'visitor-' || g AS visitor_id, (100000000 + g % 7)::text AS experience_id
FROM generate_series(1, 200000) AS g;
ANALYZE visitors;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_answers AS
SELECT count(*) AS n, sum(convert.bucket_value(visitor_id, experience_id)) AS value_sum,
       sum(convert.murmurhash3(visitor_id)) AS hash_sum,
       count(*) FILTER (WHERE convert.select_variation(
         '[{"id":"1","traffic_allocation":30},{"id":"2","traffic_allocation":45}]',
         experience_id, visitor_id) = '2') AS in_second
FROM visitors;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

-- The same aggregate, run by the parallel plan, compared with the serial one
EXPLAIN (COSTS OFF)
SELECT count(*), sum(convert.bucket_value(visitor_id, experience_id)),
       sum(convert.murmurhash3(visitor_id))
FROM visitors;

SELECT p.n, p.value_sum = s.value_sum AS same_values, p.hash_sum = s.hash_sum AS same_hashes,
       p.in_second = s.in_second AS same_variations
FROM (SELECT count(*) AS n, sum(convert.bucket_value(visitor_id, experience_id)) AS value_sum,
             sum(convert.murmurhash3(visitor_id)) AS hash_sum,
             count(*) FILTER (WHERE convert.select_variation(
               '[{"id":"1","traffic_allocation":30},{"id":"2","traffic_allocation":45}]',
               experience_id, visitor_id) = '2') AS in_second
      FROM visitors) AS p, serial_answers s;
RESET ALL;
DROP TABLE visitors;
