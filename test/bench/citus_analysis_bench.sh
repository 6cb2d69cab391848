#!/usr/bin/env bash
# Benchmark: the per-visitor tally of experiment analysis on Citus
# (docs/citus.md, Analysis), on the workers against on the coordinator.
# A coordinator and two workers on loopback; EVENTS conversion events
# (default 500000) of VISITORS/5 exposed visitors in distributed tables.
# Same run, same data:
#   - convert_internal.analysis_tally_citus: each worker tallies its shard
#     pairs, the coordinator adds the per-variation rows;
#   - convert_internal.analysis_tally: the coordinator reads every exposure
#     and conversion from the workers and tallies them itself (the only way
#     before, and still the way with percentile outlier bounds);
#   - analysis_tally_citus of an experience nobody saw: the fixed cost of
#     a call (a connection per shard pair);
#   - convert.experience_results whole, on the Citus path.
# Prints the best of 3 in milliseconds and the ratio. Skips without Citus.
#
#   test/bench/citus_analysis_bench.sh [EVENTS]
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../src/scripts/pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"
# shellcheck source=../live/citus_lib.sh
source "$top/test/live/citus_lib.sh"
events=${1:-500000}
visitors=$((events / 5))

if ! citus_installed; then
  echo "citus_analysis_bench: skipped, Citus is not installed for PostgreSQL 15 (see docs/citus.md)"
  exit 0
fi

work=$(mktemp -d)
nodes=(coord w1 w2)
citus_free_ports "${CITUS_BENCH_PORT:-59300}"
trap citus_cleanup EXIT
q() { local port=$1; shift; citus_psql "$port" bench "$@"; }
c() { q "${ports[0]}" "$@"; }

citus_start_nodes bench "shared_buffers = '512MB'
work_mem = '64MB'
jit = off" || exit 1
citus_add_workers bench 2 || exit 1
c -c "SET client_min_messages = warning" -c "CREATE EXTENSION convert" \
  -c "INSERT INTO convert.accounts (id) VALUES (1)" \
  -c "INSERT INTO convert.projects (id, account_id) VALUES (1, 1)" \
  -c "INSERT INTO convert.experiences (project_id, id, key, status) VALUES (1, 100, 'exp', 'active')" \
  -c "INSERT INTO convert.variations (project_id, experience_id, position, id, traffic_allocation)
      VALUES (1, 100, 0, 1001, 50), (1, 100, 1, 1002, 50)" \
  -c "INSERT INTO convert.goals (project_id, id, key) VALUES (1, 501, 'purchase'), (1, 502, 'signup')" \
  -c "INSERT INTO convert.experience_goals (project_id, experience_id, goal_id) VALUES (1, 100, 501), (1, 100, 502)" \
  -c "SELECT convert.ensure_event_partitions('2026-01-01', '2026-01-08')" \
  -c "SELECT convert.citus_distribute()" >/dev/null || exit 1

echo "loading $visitors exposed visitors and $events conversion events into the workers..."
c -c "INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at)
      SELECT 1, 'visitor-' || g, 100, 1001 + g % 2, timestamptz '2026-01-01' + (g % 86400) * interval '1 second'
      FROM generate_series(1, $visitors) AS g" \
  -c "INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount, goal_data)
      SELECT timestamptz '2026-01-02' + (g % 432000) * interval '1 second', 1,
             'visitor-' || (1 + abs(hashint4(g)) % $visitors), 'conversion', 501 + g % 2,
             CASE WHEN g % 2 = 0 THEN 10 + g % 90 END,
             CASE WHEN g % 2 = 0 THEN '[{\"key\":\"amount\",\"value\":1}]'::jsonb END
      FROM generate_series(1, $events) AS g" \
  -c "VACUUM ANALYZE convert.events" -c "VACUUM ANALYZE convert.visitor_bucketing" || exit 1

c -c "CREATE FUNCTION bench_ms(query text) RETURNS float8 LANGUAGE plpgsql AS \$\$
      DECLARE t0 timestamptz := clock_timestamp();
      BEGIN EXECUTE query; RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1); END \$\$" \
  -c "CREATE FUNCTION bench_best_ms(query text) RETURNS float8 LANGUAGE sql AS
      \$\$ SELECT min(bench_ms(query)) FROM generate_series(1, 3) \$\$" || exit 1
args="1, 100, NULL, NULL, NULL, NULL"
same=$(c -c "SELECT count(*) FROM (
               (SELECT variation_id, goal_id, converting_visitors, conversions, revenue, products
                FROM convert_internal.analysis_tally($args, false, NULL, NULL, false)
                EXCEPT ALL
                SELECT variation_id, goal_id, converting_visitors, conversions, revenue, products
                FROM convert_internal.analysis_tally_citus($args, NULL, NULL))
               UNION ALL
               (SELECT variation_id, goal_id, converting_visitors, conversions, revenue, products
                FROM convert_internal.analysis_tally_citus($args, NULL, NULL)
                EXCEPT ALL
                SELECT variation_id, goal_id, converting_visitors, conversions, revenue, products
                FROM convert_internal.analysis_tally($args, false, NULL, NULL, false))) AS d")
echo "rows differing between the two tallies: $same"
coordinator_ms=$(c -c "SELECT bench_best_ms('SELECT count(*) FROM convert_internal.analysis_tally($args, false, NULL, NULL, false)')")
workers_ms=$(c -c "SELECT bench_best_ms('SELECT count(*) FROM convert_internal.analysis_tally_citus($args, NULL, NULL)')")
fixed_ms=$(c -c "SELECT bench_best_ms('SELECT count(*) FROM convert_internal.analysis_tally_citus(1, 999, NULL, NULL, NULL, NULL, NULL, NULL)')")
results_ms=$(c -c "SELECT bench_best_ms('SELECT count(*) FROM convert.experience_results(1, ''100'')')")
echo "tally on the coordinator (analysis_tally):        $coordinator_ms ms"
echo "tally on the workers (analysis_tally_citus):      $workers_ms ms"
echo "tally on the workers, an experience nobody saw:  $fixed_ms ms (the fixed cost)"
echo "experience_results (tally on the workers):        $results_ms ms"
echo "coordinator / workers: $(awk -v a="$coordinator_ms" -v b="$workers_ms" 'BEGIN { printf "%.2f", a / b }')"
[[ $same == 0 ]]
