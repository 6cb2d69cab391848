#!/usr/bin/env bash
# Benchmark: convert.experience_results and convert.srm_check over N
# conversion events (default 10 million) of one experience with 2 million
# exposed visitors.  Baselines from the same run: a plain count(*) over the
# same events (the cost of merely reading them) and one plain SQL statement
# computing the same per-visitor grouping with GROUP BY (what the results
# would cost without the C tally).  convert.experience_analysis with its
# read-outs (CUPED over a 14-day lookback, sequential, Benjamini-Hochberg,
# broken down by the visitors' country, one of 5) is timed against
# experience_results on the same data, the two alternating; for CUPED,
# another tenth of the events falls in the two weeks before the exposures.
#
#   test/bench/analysis_bench.sh [EVENTS]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

events=${1:-10000000}
visitors=$((events / 5))
bench_start

echo "loading $visitors exposed visitors and $events conversion events..."
bench_sql "
INSERT INTO convert.accounts (id) VALUES (1);
INSERT INTO convert.projects (id, account_id) VALUES (1, 1);
INSERT INTO convert.experiences (project_id, id, key, status) VALUES (1, 100, 'exp', 'active');
INSERT INTO convert.variations (project_id, experience_id, position, id, traffic_allocation)
VALUES (1, 100, 0, 1001, 50), (1, 100, 1, 1002, 50);
INSERT INTO convert.goals (project_id, id, key) VALUES (1, 501, 'purchase'), (1, 502, 'signup');
INSERT INTO convert.experience_goals (project_id, experience_id, goal_id) VALUES (1, 100, 501), (1, 100, 502);
SELECT convert.ensure_event_partitions('2025-12-18', '2026-01-08');" >/dev/null
bench_sql "
WITH country(i, digest) AS MATERIALIZED (
    SELECT i, convert.segment_set_digest(jsonb_build_object('country', c))
    FROM unnest(ARRAY['US', 'DE', 'NL', 'FR', 'GB']) WITH ORDINALITY AS t(c, i))
INSERT INTO convert.visitor_bucketing (project_id, visitor_id, experience_id, variation_id, bucketed_at,
                                      segments_digest)
SELECT 1, 'visitor-' || g, 100, 1001 + g % 2, timestamptz '2026-01-01' + (g % 86400) * interval '1 second',
       (SELECT c.digest FROM country AS c WHERE c.i = 1 + g % 7 % 5)
FROM generate_series(1, $visitors) AS g" >/dev/null
bench_sql "
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount, goal_data)
SELECT timestamptz '2026-01-02' + (g % 432000) * interval '1 second', 1,
       'visitor-' || (1 + abs(hashint4(g)) % $visitors), 'conversion', 501 + g % 2,
       CASE WHEN g % 2 = 0 THEN 10 + g % 90 END,
       CASE WHEN g % 2 = 0 THEN '[{\"key\":\"amount\",\"value\":1}]'::jsonb END
FROM generate_series(1, $events) AS g" >/dev/null
bench_sql "
INSERT INTO convert.events (received_at, project_id, visitor_id, event_type, goal_id, amount, goal_data)
SELECT timestamptz '2025-12-18' + (g % 1209600) * interval '1 second', 1,
       'visitor-' || (1 + abs(hashint4(-g)) % $visitors), 'conversion', 501 + g % 2,
       CASE WHEN g % 2 = 0 THEN 10 + g % 90 END,
       CASE WHEN g % 2 = 0 THEN '[{\"key\":\"amount\",\"value\":1}]'::jsonb END
FROM generate_series(1, $events / 10) AS g" >/dev/null
bench_sql "VACUUM ANALYZE convert.events" >/dev/null
bench_sql "VACUUM ANALYZE convert.visitor_bucketing" >/dev/null

# The same totals as analysis_tally, by SQL alone (run once: it is slow).
group_by_query="
SELECT pv.variation_id, pv.goal_id, count(*), sum(pv.conversions), sum(pv.revenue),
       sum(pv.revenue * pv.revenue)
FROM (SELECT vb.variation_id, vb.visitor_id, ev.goal_id,
             greatest(count(*) FILTER (WHERE ev.goal_data IS NULL),
                      count(*) FILTER (WHERE ev.goal_data IS NOT NULL)) AS conversions,
             coalesce(sum(ev.amount), 0) AS revenue
      FROM convert.visitor_bucketing AS vb
      JOIN convert.events AS ev
        ON ev.project_id = vb.project_id AND ev.visitor_id = vb.visitor_id
       AND ev.event_type = 'conversion' AND ev.received_at >= vb.bucketed_at
      WHERE vb.project_id = 1 AND vb.experience_id = 100
      GROUP BY vb.variation_id, vb.visitor_id, ev.goal_id) AS pv
GROUP BY pv.variation_id, pv.goal_id"

results="SELECT * FROM convert.experience_results(1, '100')"
count_ms=$(bench_sql "SELECT bench_best_ms('SELECT count(*) FROM convert.events')" | tail -1)
group_by_ms=$(bench_sql "SELECT bench_best_ms(\$q\$$group_by_query\$q\$, 1)" | tail -1)
results_ms=$(bench_sql "SELECT bench_best_ms(\$q\$$results\$q\$)" | tail -1)
serial_ms=$(bench_sql "SET max_parallel_workers_per_gather = 0;
  SELECT bench_best_ms(\$q\$$results\$q\$)" | tail -1)
bench_sql "UPDATE convert.projects SET outliers =
  '{\"order_value\": {\"detection_type\": \"percentile\", \"min\": 1, \"max\": 99}}'" >/dev/null
percentile_ms=$(bench_sql "SELECT bench_best_ms(\$q\$$results\$q\$)" | tail -1)
bench_sql "UPDATE convert.projects SET outliers = NULL" >/dev/null
srm_ms=$(bench_sql "SELECT bench_best_ms(\$q\$SELECT * FROM convert.srm_check(1, '100')\$q\$)" | tail -1)
analysis="SELECT * FROM convert.experience_analysis(1, '100')"
options="SELECT * FROM convert.experience_analysis(1, '100', cuped => true, sequential => true,
                                                   correction => 'bh', dimension => 'country')"
# best of 3 each, run in turn (results, defaults, options, results, ...), so
# that the machine's other load hits all three alike
read -r base_ms analysis_ms options_ms < <(bench_sql "
  SELECT min(r) || ' ' || min(a) || ' ' || min(o)
  FROM (SELECT bench_ms(\$q\$$results\$q\$) AS r, bench_ms(\$q\$$analysis\$q\$) AS a,
               bench_ms(\$q\$$options\$q\$) AS o
        FROM generate_series(1, 3)) AS t" | tail -1)

psql -qX -c "SELECT variation_id, goal_key, visitors, converting_visitors, conversions, revenue,
                    round(p_value::numeric, 4) AS p_value
             FROM convert.experience_results(1, '100')"

psql -qX -c "SELECT dimension_value, variation_id, goal_key, visitors,
                    round(dimension_share::numeric, 3) AS share, round(srm_p_value::numeric, 4) AS srm,
                    round(p_value::numeric, 4) AS p_value, round(cuped_p_value::numeric, 4) AS cuped_p_value,
                    round(p_value_adjusted::numeric, 4) AS bh
             FROM convert.experience_analysis(1, '100', cuped => true, sequential => true,
                                              correction => 'bh', dimension => 'country')"

awk -v ev="$events" -v c="$count_ms" -v g="$group_by_ms" -v r="$results_ms" -v s="$serial_ms" \
    -v p="$percentile_ms" -v m="$srm_ms" -v b="$base_ms" -v a="$analysis_ms" -v o="$options_ms" 'BEGIN {
  printf "conversion events                          %d\n", ev
  printf "count(*) over the events                   %9.1f ms\n", c
  printf "same totals by SQL GROUP BY (one run)      %9.1f ms\n", g
  printf "experience_results (parallel allowed)      %9.1f ms   %.2fx count(*), %.3fx GROUP BY\n", r, r / c, r / g
  printf "experience_results (serial)                %9.1f ms   %.2fx count(*), %.3fx GROUP BY\n", s, s / c, s / g
  printf "experience_results, percentile outliers    %9.1f ms   %.2fx count(*)\n", p, p / c
  printf "srm_check                                  %9.1f ms\n", m
  printf "in turn: experience_results               %9.1f ms\n", b
  printf "         experience_analysis (defaults)    %9.1f ms   %.2fx experience_results\n", a, a / b
  printf "         experience_analysis (CUPED 14 days, sequential, BH, by country) %.1f ms   %.2fx\n", o, o / b
}'
