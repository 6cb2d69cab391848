#!/usr/bin/env bash
# Benchmark: convert.run_experience for one experience with two audiences
# over N visitors (default 1 million; pass 10000000 for the 10 million of
# the issue), serially and with 2 parallel workers, against
#   - a scan of the same rows (count of the properties), and
#   - the official SDK running runExperience for the same visitors in Node
#     (all of them, or the first SDK_ROWS: the SDK takes ~50 us a decision).
# The answers are checked to be the same (decided count, per-variation
# counts, sum of bucket values) on the visitors both ran, and the ratios
# are per decision.
#
#   test/bench/decisions_bench.sh [ROWS] [RUNS] [SDK_ROWS]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

rows=${1:-1000000}
runs=${2:-3}
sdk_rows=${3:-$rows}
config="$bench_top/test/bench/decisions_bench_config.json"
bench_start

echo "loading $rows visitors..."
bench_sql "CREATE UNLOGGED TABLE visitors AS
           SELECT 'visitor-' || md5(g::text) AS visitor_id,
                  jsonb_build_object('desktop', g % 2 = 0,
                                     'country', (ARRAY['US', 'DE', 'FR', 'us'])[1 + g % 4],
                                     'plan', 'free') AS props
           FROM generate_series(1, $rows) AS g" >/dev/null
bench_sql "VACUUM ANALYZE visitors" >/dev/null
psql -qX -v ON_ERROR_STOP=1 -v cfg="$(cat "$config")" >/dev/null <<'SQL'
CREATE TABLE configs (name text PRIMARY KEY, config convert.config);
INSERT INTO configs VALUES ('bench', :'cfg');
SQL

serial="SET max_parallel_workers_per_gather = 0;"
parallel="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
decide="convert.run_experience((SELECT config FROM configs WHERE name = 'bench'), visitor_id, 'bench-exp', props, '{}')"

scan_ms=$(bench_sql "$serial SELECT bench_best_ms('SELECT count(props) FROM visitors', $runs)" | tail -1)
serial_ms=$(bench_sql "$serial SELECT bench_best_ms(\$q\$SELECT count($decide) FROM visitors\$q\$, $runs)" | tail -1)
parallel_ms=$(bench_sql "$parallel SELECT bench_best_ms(\$q\$SELECT count($decide) FROM visitors\$q\$, $runs)" | tail -1)
echo "parallel plan:"
bench_sql "$parallel EXPLAIN (COSTS OFF) SELECT count($decide) FROM visitors" | sed 's/^/  /'

# Serial and parallel plans give the same answers over all the visitors.
summary="SELECT format('decided %s, allocation sum %s, first variation %s', count(r),
                 sum((r ->> 'bucketingAllocation')::bigint), count(*) FILTER (WHERE r ->> 'id' = '1003180877'))
          FROM (SELECT $decide AS r FROM visitors) d"
serial_summary=$(bench_sql "$serial $summary" | tail -1)
parallel_summary=$(bench_sql "$parallel $summary" | tail -1)
echo "serial:   $serial_summary"
echo "parallel: $parallel_summary"
[[ "$serial_summary" == "$parallel_summary" ]] || { echo "SERIAL AND PARALLEL ANSWERS DIFFER"; exit 1; }

bench_sql "CREATE UNLOGGED TABLE sdk_visitors AS SELECT * FROM visitors LIMIT $sdk_rows" >/dev/null
ours=$(bench_sql "CREATE TEMP TABLE d AS
                    SELECT convert.run_experience((SELECT config FROM configs WHERE name = 'bench'),
                                                  visitor_id, 'bench-exp', props, '{}') AS r
                    FROM sdk_visitors;
                  SELECT format('decided %s, allocation sum %s, per variation %s', count(r),
                                sum((r ->> 'bucketingAllocation')::bigint),
                                (SELECT jsonb_object_agg(id, n) FROM (SELECT r ->> 'id' AS id, count(*) AS n
                                  FROM d WHERE r IS NOT NULL GROUP BY 1 ORDER BY 1) s))
                  FROM d" | tail -1)
echo "ours: $ours"
echo "running the official SDK's runExperience for $sdk_rows of the visitors in Node..."
sdk_ms=$(psql -qXAt -c "COPY (SELECT visitor_id, props FROM sdk_visitors) TO STDOUT" |
  node --max-old-space-size=4096 "$bench_top/test/bench/sdk_decisions.mjs" "$config" bench-exp 2>"$bench_dir/sdk.err")
sdk_sum=$(cat "$bench_dir/sdk.err")
echo "$sdk_sum"
python3 - "$ours" "$sdk_sum" <<'PY' || { echo "ANSWERS DIFFER"; exit 1; }
import json, re, sys
def parse(s):
    m = re.search(r'decided (\d+), allocation sum (\d+), per variation (\{.*\})', s)
    return int(m.group(1)), int(m.group(2)), json.loads(m.group(3))
assert parse(sys.argv[1]) == parse(sys.argv[2]), (sys.argv[1], sys.argv[2])
print("same answers as the SDK")
PY

awk -v rows="$rows" -v sdk_rows="$sdk_rows" -v scan="$scan_ms" -v s="$serial_ms" -v p="$parallel_ms" -v sdk="$sdk_ms" 'BEGIN {
  printf "visitors                                   %d\n", rows
  printf "count(props) (scan only)                   %9.1f ms\n", scan
  printf "run_experience, serial                     %9.1f ms   %.0f ns per decision (scan subtracted %.0f ns)\n", s, s * 1e6 / rows, (s - scan) * 1e6 / rows
  printf "run_experience, 2 parallel workers         %9.1f ms   speed-up %.2fx\n", p, s / p
  printf "official SDK runExperience in Node         %9.1f ms   %.0f ns per decision (%d visitors)\n", sdk, sdk * 1e6 / sdk_rows, sdk_rows
  printf "SDK / run_experience serial, per decision  %9.2f\n", (sdk / sdk_rows) / (s / rows)
  printf "SDK / run_experience 2 workers, per dec.   %9.2f\n", (sdk / sdk_rows) / (p / rows)
}'
