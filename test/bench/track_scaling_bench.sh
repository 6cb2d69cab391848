#!/usr/bin/env bash
# Benchmark: does the cost per event of a tracking batch stay flat as the
# batch grows?  For batches of 100, 1,000 and 10,000 events it measures,
# inside the server (best of BENCH_ROUNDS, default 3):
#   parse   convert_internal.track_parse alone (the C checks and flattening)
#   track   the whole convert.track() call (checks, writes, indexes)
# for two shapes:
#   repeat  one visitor whose events alternate an identical bucketing
#           decision and a conversion: 0.1.0 rebuilt every conversion's
#           batch bucketing from all decisions before it (quadratic)
#   sdk     one visitor per bucketing + conversion pair
# and prints microseconds per event and the ratio of the per-event time at
# 10,000 events to that at 100 (1.0 = perfectly flat).  Each round runs a
# statement as often as it takes to cover 20,000 events, so small batches
# are timed as precisely as large ones.  track() calls take new visitor
# ids each time (payloads made before timing), so nothing is a duplicate.
#
#   test/bench/track_scaling_bench.sh
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

bench_start
rounds=${BENCH_ROUNDS:-3}
psql -qX -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
ALTER SYSTEM SET synchronous_commit = off;
SELECT pg_reload_conf();
SELECT convert.import_project('{"account_id": "10035569", "project": {"id": "10034190"},
  "experiences": [{"id": "100349071", "key": "e1", "status": "active",
                   "variations": [{"id": "1003180877"}, {"id": "1003180878"}]}],
  "goals": [{"id": "100322784", "key": "purchase"}]}');
SELECT convert.ensure_event_partitions();
-- The visitors array of a batch of n events (n even), visitor ids prefixed.
CREATE FUNCTION public.scaling_visitors(shape text, n int, prefix text) RETURNS jsonb LANGUAGE sql AS $$
  WITH pair(i, events) AS (
    SELECT i, jsonb_build_array(
             jsonb_build_object('eventType', 'bucketing', 'data', jsonb_build_object(
                                  'experienceId', '100349071', 'variationId', '1003180878')),
             jsonb_build_object('eventType', 'conversion', 'data', jsonb_build_object(
                                  'goalId', '100322784', 'goalData',
                                  jsonb_build_array(jsonb_build_object('key', 'amount', 'value', i)))))
    FROM generate_series(1, n / 2) AS i)
  SELECT CASE shape
    WHEN 'repeat' THEN jsonb_build_array(jsonb_build_object(
           'visitorId', prefix || '-v', 'segments', '{"country": "US"}'::jsonb,
           'events', (SELECT jsonb_agg(e ORDER BY i, o) FROM pair, jsonb_array_elements(events) WITH ORDINALITY AS x(e, o))))
    ELSE (SELECT jsonb_agg(jsonb_build_object('visitorId', prefix || '-v' || i,
                                              'segments', '{"country": "US"}'::jsonb, 'events', events) ORDER BY i)
          FROM pair) END
$$;
CREATE FUNCTION public.scaling_payload(shape text, n int, prefix text) RETURNS json LANGUAGE sql AS $$
  SELECT jsonb_build_object('enrichData', true, 'accountId', '10035569', 'projectId', '10034190',
                            'visitors', public.scaling_visitors(shape, n, prefix), 'source', 'bench')::json
$$;
-- Microseconds per event of a statement over n events, best of `rounds`
-- rounds that each run it enough times to cover 20,000 events.  The
-- statement is a format() string; %1$s is the call's number (1, 2, ...
-- across all rounds), which track() uses to take a fresh payload.
CREATE FUNCTION public.scaling_us(query text, n int, rounds int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    times int := greatest(1, 20000 / n);
    best float8;
    t0 timestamptz;
BEGIN
    FOR r IN 1 .. rounds LOOP
        t0 := clock_timestamp();
        FOR k IN 1 .. times LOOP
            EXECUTE format(query, (r - 1) * times + k);
        END LOOP;
        best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1e6 / (times * n));
    END LOOP;
    RETURN round(best::numeric, 2);
END $$;
CREATE TABLE public.scaling_input AS
SELECT shape, n, public.scaling_visitors(shape, n, 'p') AS visitors
FROM unnest(ARRAY['repeat', 'sdk']) AS shape, unnest(ARRAY[100, 1000, 10000]) AS n;
SQL
# track() payloads with new visitors for every call (as many as the rounds
# use), made before timing.
psql -qX -v ON_ERROR_STOP=1 -v rounds="$rounds" <<'SQL' >/dev/null
CREATE TABLE public.scaling_payloads AS
SELECT shape, n, r, public.scaling_payload(shape, n, shape || n || '-r' || r) AS payload
FROM unnest(ARRAY['repeat', 'sdk']) AS shape, unnest(ARRAY[100, 1000, 10000]) AS n,
     generate_series(1, :rounds * greatest(1, 20000 / n)) AS r;
CREATE INDEX ON public.scaling_payloads (shape, n, r);
SQL

echo "microseconds per event, best of $rounds (ratio: per-event time at 10,000 events / at 100)"
printf '%-7s %-6s %10s %10s %10s %8s\n' shape step 100 1000 10000 ratio
for shape in repeat sdk; do
  for step in parse track; do
    line=""
    declare -A per=()
    for n in 100 1000 10000; do
      if [[ $step == parse ]]; then
        query="SELECT count(*) FROM public.scaling_input AS s,
                 convert_internal.track_parse(10034190, s.visitors, 10000, 10000) WHERE s.shape = '$shape' AND s.n = $n"
      else
        query="SELECT convert.track(10035569, 10034190, p.payload) FROM public.scaling_payloads AS p
               WHERE p.shape = '$shape' AND p.n = $n AND p.r = %1\$s"
      fi
      per[$n]=$(bench_sql "SELECT public.scaling_us(\$q\$$query\$q\$, $n, $rounds)")
      line+=$(printf ' %10s' "${per[$n]}")
    done
    ratio=$(awk -v a="${per[100]}" -v b="${per[10000]}" 'BEGIN { printf "%.2f", b / a }')
    printf '%-7s %-6s%s %8s\n' "$shape" "$step" "$line" "$ratio"
    unset per
  done
done
