#!/usr/bin/env bash
# Benchmark: events per second stored by convert.track() against COPY of
# the same rows into the same table (convert.events, same indexes), in the
# same run, for two batch shapes:
#   sdk     SDK-sized batches: 10 visitors, 1-3 events each
#   large   1,000 visitors, 1-3 events each
# Payloads are what the SDK sends (enrichData, segments, bucketingData,
# goalData with revenue and transaction ids); visitors are new in every
# batch, so nothing is a duplicate.  Each track() call and each COPY is one
# statement in its own transaction, sent by psql over a Unix socket.
# synchronous_commit is off by default: both sides pay one WAL flush per
# batch, and on a shared disk its latency (milliseconds, varying) would
# swamp the work being compared; BENCH_SYNCHRONOUS_COMMIT=on keeps it.
#
#   test/bench/tracking_bench.sh [SDK_BATCHES] [LARGE_BATCHES]   (default 300 20)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

sdk_batches=${1:-300}
large_batches=${2:-20}
bench_start
work="$bench_dir/tracking"
mkdir -p "$work"
psql -qX -c "ALTER SYSTEM SET synchronous_commit = '${BENCH_SYNCHRONOUS_COMMIT:-off}'" \
  -c "SELECT pg_reload_conf()" >/dev/null

psql -qX -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SELECT convert.import_project('{"account_id": "10035569", "project": {"id": "10034190"},
  "experiences": [
    {"id": "100349071", "key": "e1", "status": "active", "variations": [{"id": "1003180877"}, {"id": "1003180878"}]},
    {"id": "100349072", "key": "e2", "status": "active", "variations": [{"id": "1003180880"}, {"id": "1003180881"}]}],
  "goals": [{"id": "100322784", "key": "purchase"}, {"id": "100322785", "key": "signup"}]}');
-- A batch as the SDK sends it: visitor i has 1 + i % 3 events (a bucketing
-- decision, then a conversion, then a revenue conversion).
CREATE FUNCTION public.bench_batch(batch text, visitors int) RETURNS text LANGUAGE sql AS $$
SELECT json_build_object('enrichData', true, 'accountId', '10035569', 'projectId', '10034190',
  'visitors', json_agg(json_build_object(
     'visitorId', batch || '-visitor-' || v,
     'events', (SELECT json_agg(CASE e
        WHEN 1 THEN json_build_object('eventType', 'bucketing', 'data', json_build_object(
                      'experienceId', '100349071', 'variationId', (1003180877 + v % 2)::text))
        WHEN 2 THEN json_build_object('eventType', 'conversion', 'data', json_build_object(
                      'goalId', '100322785', 'bucketingData', json_build_object('100349071', (1003180877 + v % 2)::text)))
        ELSE json_build_object('eventType', 'conversion', 'data', json_build_object(
                      'goalId', '100322784',
                      'goalData', json_build_array(json_build_object('key', 'amount', 'value', v * 1.5),
                                                   json_build_object('key', 'productsCount', 'value', 1 + v % 4),
                                                   json_build_object('key', 'transactionId', 'value', batch || '-t' || v)),
                      'bucketingData', json_build_object('100349071', (1003180877 + v % 2)::text))) END ORDER BY e)
                FROM generate_series(1, 1 + v % 3) AS e),
     'segments', json_build_object('country', 'US', 'browser', 'CH', 'devices', json_build_array('DESK')))
     ORDER BY v),
  'source', 'js4.4.3')::text
FROM generate_series(1, visitors) AS v $$;
SELECT convert.ensure_event_partitions();
SQL

# seconds CMD...: wall-clock seconds that CMD takes.
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null || return 1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

clear_tracking() {
  psql -qX -c "TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
                        convert.goal_transactions, convert.track_batches, convert.segment_sets" \
    -c CHECKPOINT >/dev/null
}

# The machine may be shared: each side runs $rounds times, alternating,
# and the best time of each counts.
rounds=${BENCH_ROUNDS:-3}
echo "generating $sdk_batches SDK-sized and $large_batches large batches; best of $rounds rounds;" \
  "synchronous_commit $(bench_sql 'SHOW synchronous_commit')"
for shape in "sdk $sdk_batches 10" "large $large_batches 1000"; do
  set -- $shape
  name=$1 batches=$2 visitors=$3
  psql -qXAt -v ON_ERROR_STOP=1 -c "SELECT format('SELECT convert.track(%L, %L::json);',
                                      '10035569/10034190', public.bench_batch('$name' || n, $visitors))
                                    FROM generate_series(1, $batches) AS n" >"$work/$name.sql"
  best_track=999999 best_copy=999999
  for round in $(seq 1 $rounds); do
    clear_tracking
    t=$(seconds psql -qX -v ON_ERROR_STOP=1 -f "$work/$name.sql")
    events=$(bench_sql "SELECT count(*) FROM convert.events")
    if [[ $round -eq 1 ]]; then
      # The same rows, one COPY per batch (the batch is the visitor id's prefix).
      mkdir -p "$work/$name.copy"
      psql -qXAt -c "COPY (SELECT split_part(visitor_id, '-', 1), * FROM convert.events) TO STDOUT" |
        awk -F '\t' -v dir="$work/$name.copy" '{ f = $1; sub(/^[^\t]*\t/, ""); print > (dir "/" f) }'
      for f in "$work/$name.copy"/*; do echo "\\copy convert.events FROM '$f'"; done >"$work/$name.copy.sql"
    fi
    clear_tracking
    c=$(seconds psql -qX -v ON_ERROR_STOP=1 -f "$work/$name.copy.sql")
    copied=$(bench_sql "SELECT count(*) FROM convert.events")
    [[ $copied -eq $events ]] || { echo "COPY stored $copied rows, track() $events" >&2; exit 1; }
    best_track=$(awk -v a="$best_track" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    best_copy=$(awk -v a="$best_copy" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
  done
  awk -v name="$name" -v b="$batches" -v v="$visitors" -v e="$events" -v t="$best_track" -v c="$best_copy" 'BEGIN {
    printf "%-6s %4d batches x %4d visitors, %6d events per round\n", name, b, v, e
    printf "         track()  %8.3f s  %9.0f events/s\n", t, e / t
    printf "         COPY     %8.3f s  %9.0f events/s\n", c, e / c
    printf "         track() rate / COPY rate = %.2f\n", c / t
  }'
done
