#!/usr/bin/env bash
# Benchmark: convert.rules_match of a 10-condition audience over N property
# rows (default 1,000,000) against the official SDK's RuleManager evaluating
# the same rows in Node.  Not part of `make test`.
#
#   test/bench/rules_bench.sh [ROWS]
#
# Starts a throwaway cluster with the extension (bench_lib.sh).
# Reports: SQL time with rules_match, the same scan without it (baseline),
# the SDK's time, and per-evaluation ratios.  Both sides must agree on the
# number of matching rows.
set -euo pipefail

rows=${1:-1000000}
# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_start
top=$bench_top

audience=$(tr -d '\n' <"$top/test/bench/rules_audience.json")
psql -qX -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE bench_props AS
SELECT jsonb_build_object(
         'country', (ARRAY['US','DE','FR','GB','us'])[i % 5 + 1],
         'browser', (ARRAY['chrome','Firefox','Safari'])[i % 3 + 1],
         'visits', i % 50,
         'url', 'https://convert.com/p/' || (i % 1000) || CASE WHEN i % 11 = 0 THEN '/checkout' ELSE '' END,
         'vip', i % 7 = 0,
         'age', (i % 80)::text,
         'lang', (ARRAY['en','de-at','fr','EN-us'])[i % 4 + 1],
         'price', (i % 1000) / 10.0,
         'campaign', (ARRAY['spring','summer','Big Spring'])[i % 3 + 1])
       || CASE WHEN i % 13 = 0 THEN '{"device":"mobile"}'::jsonb ELSE '{}' END AS props
FROM generate_series(1, $rows) AS i;
VACUUM ANALYZE bench_props;
SQL

# Best of three runs, in the server, without parallel workers: the SDK
# evaluates on one core too.
best_ms() {
  psql -qXAt -v ON_ERROR_STOP=1 -c "SET max_parallel_workers_per_gather = 0" \
    -c "SELECT public.bench_best_ms(\$q\$$1\$q\$)"
}

sql_matched=$(bench_sql "SELECT count(*) FROM bench_props WHERE convert.rules_match('$audience', props)")
with_ms=$(best_ms "SELECT count(*) FROM bench_props WHERE convert.rules_match('$audience', props)")
scan_ms=$(best_ms "SELECT count(*) FROM bench_props WHERE props IS NOT NULL")
sdk=$(node "$top/test/bench/rules_bench.mjs" "$rows")
sdk_ms=$(sed -E 's/.*"ms":([0-9.]+).*/\1/' <<<"$sdk")
sdk_matched=$(sed -E 's/.*"matched":([0-9]+).*/\1/' <<<"$sdk")

echo "rows: $rows; matching rows: SQL $sql_matched, SDK $sdk_matched"
[[ "$sql_matched" == "$sdk_matched" ]] || { echo "MISMATCH in matching rows"; exit 1; }
awk -v rows="$rows" -v w="$with_ms" -v s="$scan_ms" -v n="$sdk_ms" 'BEGIN {
  net = w - s
  printf "SQL  rules_match scan: %8.1f ms  (%.0f ns/row; the scan alone %.1f ms)\n", w, w * 1e6 / rows, s
  printf "SQL  evaluation only:  %8.1f ms  (%.0f ns/row)\n", net, net * 1e6 / rows
  printf "SDK  isRuleMatched:    %8.1f ms  (%.0f ns/row)\n", n, n * 1e6 / rows
  printf "ratio SDK / SQL: %.2fx with the scan, %.2fx evaluation only\n", n / w, n / net
}'
