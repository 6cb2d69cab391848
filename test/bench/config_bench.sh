#!/usr/bin/env bash
# Benchmark: the config of a large project (500 experiences, 2,000
# variations, 300 audiences), through a client as an HTTP front end reads it:
#   - rendered from the tables (uncached, convert_internal.render_config),
#   - served from the cache (convert.project_config and _by_sdk_key),
#   - against the baseline: a primary-key lookup of the same JSON text.
# pgbench, one client, each query for a fixed time; the whole document
# travels to the client every time.
#
#   test/bench/config_bench.sh [SECONDS_PER_RUN]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

seconds=${1:-2}
bench_start

echo "building and importing the project..."
start_ns=$(date +%s%N)
bench_sql "SELECT convert.import_project((
  SELECT json_build_object(
    'account_id', '900',
    'project', json_build_object('id', '901', 'name', 'Bench', 'type', 'fullstack',
      'environments', json_build_object('production', json_build_object('label', 'Production', 'is_default', true),
                                        'staging', json_build_object('label', 'Staging', 'is_default', false))),
    'audiences', (SELECT json_agg(json_build_object('id', (100000 + a)::text, 'key', 'aud-' || a,
        'name', 'Audience ' || a, 'type', 'transient',
        'rules', json_build_object('OR', json_build_array(json_build_object('AND', json_build_array(
          json_build_object('OR_WHEN', json_build_array(json_build_object(
            'rule_type', 'generic_text_key_value', 'key', 'k' || a, 'value', 'v' || a,
            'matching', json_build_object('match_type', 'matches', 'negated', false)))))))))
      ORDER BY a) FROM generate_series(1, 300) a),
    'locations', (SELECT json_agg(json_build_object('id', (200000 + l)::text, 'key', 'loc-' || l,
        'name', 'Location ' || l, 'trigger', json_build_object('type', 'upon_run'), 'rules', NULL)
      ORDER BY l) FROM generate_series(1, 20) l),
    'goals', (SELECT json_agg(json_build_object('id', (300000 + g)::text, 'key', 'goal-' || g,
        'name', 'Goal ' || g, 'type', 'advanced', 'rules', NULL) ORDER BY g) FROM generate_series(1, 50) g),
    'features', (SELECT json_agg(json_build_object('id', (400000 + f)::text, 'key', 'feature-' || f,
        'name', 'Feature ' || f, 'variables', json_build_array(
          json_build_object('key', 'enabled', 'type', 'boolean'),
          json_build_object('key', 'caption', 'type', 'string'))) ORDER BY f) FROM generate_series(1, 20) f),
    'experiences', (SELECT json_agg(json_build_object(
        'id', (500000 + e)::text, 'key', 'exp-' || e, 'name', 'Experience ' || e,
        'type', 'a/b_fullstack', 'status', 'active', 'version', 11,
        'environment', CASE WHEN e % 2 = 0 THEN 'production' ELSE 'staging' END,
        'locations', json_build_array((200000 + e % 20 + 1)::text), 'site_area', NULL,
        'audiences', json_build_array((100000 + e % 300 + 1)::text, (100000 + (e * 7) % 300 + 1)::text),
        'goals', json_build_array((300000 + e % 50 + 1)::text),
        'settings', json_build_object('matching_options', json_build_object('audiences', 'any', 'locations', 'any')),
        'variations', (SELECT json_agg(json_build_object(
            'id', (1000000 + e * 10 + v)::text, 'key', 'variation-' || v, 'name', 'Variation ' || v,
            'status', 'running', 'traffic_allocation', 25.0,
            'changes', json_build_array(json_build_object('id', 2000000 + e * 10 + v, 'type', 'fullStackFeature',
              'data', json_build_object('feature_id', 400000 + e % 20 + 1,
                'variables_data', json_build_object('enabled', v > 1, 'caption', 'Caption ' || v)))))
          ORDER BY v) FROM generate_series(1, 4) v))
      ORDER BY e) FROM generate_series(1, 500) e),
    'archived_experiences', '[]'::json)))" >/dev/null
import_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

bench_sql "SELECT convert.create_sdk_key(901, 'bench-secret', 'bench-key')" >/dev/null
# A small project too (the SDK's fixture, 7 kB): there the fixed cost of the
# access checks shows, not the bytes.
psql -qX -v ON_ERROR_STOP=1 -v doc="$(cat "$bench_top/test/fixtures/sdk-test-config.json")" \
  <<<"SELECT convert.import_project(:'doc');" >/dev/null
bench_sql "CREATE TABLE public.json_baseline (id int PRIMARY KEY, doc json NOT NULL)" >/dev/null
bench_sql "INSERT INTO public.json_baseline SELECT 1, config FROM convert.config_cache
           WHERE project_id = 901 AND environment = '' AND NOT debug" >/dev/null
bench_sql "INSERT INTO public.json_baseline SELECT 2, config FROM convert.config_cache
           WHERE project_id = 10025986 AND environment = '' AND NOT debug" >/dev/null
bench_sql "VACUUM ANALYZE" >/dev/null
sizes=$(bench_sql "SELECT (SELECT count(*) FROM convert.experiences WHERE project_id = 901) || ' experiences, '
  || (SELECT count(*) FROM convert.variations WHERE project_id = 901) || ' variations, '
  || (SELECT count(*) FROM convert.audiences WHERE project_id = 901) || ' audiences; document '
  || (SELECT octet_length(doc::text) FROM public.json_baseline WHERE id = 1) || ' bytes'")
check=$(bench_sql "SELECT convert.project_config(900, 901)::text = doc::text FROM public.json_baseline WHERE id = 1")

# latency_ms QUERY: mean latency of QUERY, one client, best of three runs
# of $seconds seconds (the machine is shared; the best run is the least
# disturbed one).
latency_ms() {
  printf '%s\n' "$1" >"$bench_dir/query.sql"
  for _ in 1 2 3; do
    "$(cluster_bindir)/pgbench" -n -c 1 -T "$seconds" -f "$bench_dir/query.sql" 2>/dev/null |
      awk '/latency average/ { print $4 }'
  done | sort -g | head -n 1
}

echo "measuring ($seconds s per query)..."
render=$(latency_ms "SELECT convert_internal.render_config(901, NULL, false)::text;")
render_env=$(latency_ms "SELECT convert_internal.render_config(901, 'production', true)::text;")
baseline=$(latency_ms "SELECT doc FROM public.json_baseline WHERE id = 1;")
cached=$(latency_ms "SELECT convert.project_config(900, 901);")
cached_key=$(latency_ms "SELECT convert.project_config_by_sdk_key('bench-key', NULL, 'Bearer bench-secret');")
cached_env=$(latency_ms "SELECT convert.project_config(900, 901, 'production');")
small_baseline=$(latency_ms "SELECT doc FROM public.json_baseline WHERE id = 2;")
small_cached=$(latency_ms "SELECT convert.project_config(10022898, 10025986);")

awk -v sizes="$sizes" -v imp="$import_ms" -v same="$check" -v r="$render" -v re="$render_env" \
    -v b="$baseline" -v c="$cached" -v k="$cached_key" -v ce="$cached_env" \
    -v sb="$small_baseline" -v sc="$small_cached" 'BEGIN {
  printf "project                                 %s\n", sizes
  printf "cached document = rendering             %s\n", same
  printf "import_project, with rendering at commit %8d ms\n", imp
  printf "uncached: render_config                 %9.3f ms\n", r
  printf "uncached: render_config (env, debug)    %9.3f ms\n", re
  printf "baseline: primary-key lookup of JSON    %9.3f ms\n", b
  printf "cached: project_config                  %9.3f ms   ratio to baseline %.2f\n", c, c / b
  printf "cached: project_config_by_sdk_key       %9.3f ms   ratio to baseline %.2f\n", k, k / b
  printf "cached: one environment (half the size) %9.3f ms\n", ce
  printf "uncached / cached                       %9.1f x\n", r / c
  printf "small project (7 kB): baseline          %9.3f ms\n", sb
  printf "small project (7 kB): project_config    %9.3f ms   ratio to baseline %.2f\n", sc, sc / sb
}'
