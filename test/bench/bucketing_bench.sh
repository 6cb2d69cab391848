#!/usr/bin/env bash
# Benchmark: convert.bucket_value over N rows (default 10 million) against
#   - count(hashtext(visitor_id || experience_id)) over the same rows, and
#   - the official SDK computing the same bucket values in Node.
# Also select_variation serially and with 2 parallel workers.
#
#   test/bench/bucketing_bench.sh [ROWS]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

rows=${1:-10000000}
bench_start

echo "loading $rows rows..."
bench_sql "CREATE UNLOGGED TABLE visitors AS
           SELECT 'visitor-' || md5(g::text) AS visitor_id, (100000000 + g % 50)::text AS experience_id
           FROM generate_series(1, $rows) AS g" >/dev/null
bench_sql "VACUUM ANALYZE visitors" >/dev/null

serial="SET max_parallel_workers_per_gather = 0;"
parallel="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET min_parallel_table_scan_size = 0;"
vars='[{"id":"1003180877","traffic_allocation":50,"status":"running"},{"id":"1003180878","traffic_allocation":50,"status":"running"}]'

scan_ms=$(bench_sql "$serial SELECT bench_best_ms('SELECT count(visitor_id) FROM visitors')" | tail -1)
hashtext_ms=$(bench_sql "$serial SELECT bench_best_ms('SELECT count(hashtext(visitor_id || experience_id)) FROM visitors')" | tail -1)
bucket_ms=$(bench_sql "$serial SELECT bench_best_ms('SELECT count(convert.bucket_value(visitor_id, experience_id)) FROM visitors')" | tail -1)
select_ms=$(bench_sql "$serial SELECT bench_best_ms(\$q\$SELECT count(convert.select_variation('$vars', experience_id, visitor_id)) FROM visitors\$q\$)" | tail -1)
select_par_ms=$(bench_sql "$parallel SELECT bench_best_ms(\$q\$SELECT count(convert.select_variation('$vars', experience_id, visitor_id)) FROM visitors\$q\$)" | tail -1)

checksum=$(bench_sql "SELECT sum(convert.bucket_value(visitor_id, experience_id)) FROM visitors")
echo "convert.bucket_value checksum: $checksum (must equal the SDK's below)"
echo "computing the same bucket values with the official SDK in Node..."
sdk_ms=$(psql -qXAt -c "COPY (SELECT visitor_id, experience_id FROM visitors) TO STDOUT" |
  node --max-old-space-size=8192 "$bench_top/test/bench/sdk_bucket_values.mjs")

awk -v rows="$rows" -v scan="$scan_ms" -v ht="$hashtext_ms" -v bv="$bucket_ms" \
    -v sv="$select_ms" -v svp="$select_par_ms" -v sdk="$sdk_ms" 'BEGIN {
  printf "rows                                   %d\n", rows
  printf "count(visitor_id) (scan only)          %9.1f ms\n", scan
  printf "count(hashtext(v || e))                %9.1f ms\n", ht
  printf "count(convert.bucket_value(v, e))      %9.1f ms   ratio to hashtext %.2f\n", bv, bv / ht
  printf "  per value, scan subtracted           %9.1f ns   (hashtext %.1f ns)\n", (bv - scan) * 1e6 / rows, (ht - scan) * 1e6 / rows
  printf "select_variation, serial               %9.1f ms\n", sv
  printf "select_variation, 2 parallel workers   %9.1f ms   speed-up %.2fx\n", svp, sv / svp
  printf "official SDK in Node (same values)     %9.1f ms   per value %.1f ns\n", sdk, sdk * 1e6 / rows
  printf "SDK time / bucket_value time           %9.2f\n", sdk / bv
}'
