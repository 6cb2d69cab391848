#!/usr/bin/env bash
# Live check on Citus (docs/citus.md); not part of `make test`, since Citus
# has no Debian package here: build it from source first (docs/citus.md).
#
# Starts a coordinator and two workers (a third joins later) on loopback
# from a private installation of the extension, and checks:
# citus_distribute() refuses without Citus; the project model becomes
# reference tables whose changes reach the coordinator's config cache and
# notifications only; backfill decisions over a table distributed by
# visitor_id equal a local run; a thousand SDK-shaped batches tracked
# through the coordinator store exactly what a single node stores, also as
# convert_api and from 4 concurrent sessions, and a batch with a bad event
# in the middle stores nothing; experience_results, experience_analysis,
# experience_daily_results and srm_check equal the single node's, also for
# an analyst's own login role, the per-visitor tally running on the workers
# (fixed outlier bounds), and still after a third worker joins with an
# online rebalance; DROP EXTENSION is refused until citus_prepare_drop(),
# then leaves nothing; and a database that installed 0.1.0 on Citus updates
# to 0.2.0 on every node and distributes.
# Skips (exit 0) when Citus is not installed.
# Usage: test/live/citus_test.sh [BATCHES]   (default 1000)
# Prints "citus: N passed, N failed".
set -uo pipefail
batches=${1:-1000}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../src/scripts/pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"
# shellcheck source=citus_lib.sh
source "$top/test/live/citus_lib.sh"

if ! citus_installed; then
  echo "citus: skipped, Citus is not installed for PostgreSQL 15 (see docs/citus.md to build it)"
  exit 0
fi

work=$(mktemp -d)
# coordinator, workers 1 and 2, and worker 3 that joins later, on the
# first free ports from 58731 (or $CITUS_TEST_PORT)
nodes=(coord w1 w2 w3)
citus_free_ports "${CITUS_TEST_PORT:-58731}"
passed=0
failed=0
trap citus_cleanup EXIT

check() {   # check NAME CONDITION-EXIT-CODE [DETAIL]
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1 ${3:-}"; fi
}

q() { citus_psql "$@"; }                       # q PORT DB SQL...
c() { q "${ports[0]}" convert_citus "$@"; }    # the Citus coordinator's database
s() { q "${ports[0]}" convert_single "$@"; }   # a single-node database on the same server

# old copies of moved shards stay until citus_cleanup_orphaned_resources();
# Citus moves shards online by logical replication
citus_start_nodes convert_citus "citus.defer_shard_delete_interval = -1
wal_level = logical" || exit 1
q "${ports[0]}" postgres -c "CREATE DATABASE convert_single" || exit 1
citus_add_workers convert_citus 2 || exit 1
c -c "CREATE EXTENSION convert" || exit 1
s -c "CREATE EXTENSION convert" || exit 1
check "the extension propagated to both workers" \
  "$([[ $(q "${ports[1]}" convert_citus -c "SELECT count(*) FROM pg_extension WHERE extname = 'convert'")$(
         q "${ports[2]}" convert_citus -c "SELECT count(*) FROM pg_extension WHERE extname = 'convert'") == 11 ]]; echo $?)"

refusal=$(s -c "SELECT convert.citus_distribute()" 2>&1)
check "citus_distribute() refuses without Citus" \
  "$([[ $refusal == *"Citus is not installed"* ]]; echo $?)" "$refusal"
state=$(s -c "\\set VERBOSITY sqlstate" -c "SELECT convert.citus_distribute()" 2>&1)
check "with SQLSTATE 0A000" "$([[ $state == *0A000* ]]; echo $?)" "$state"

project='{"account_id": "81", "project": {"id": "82"},
  "experiences": [{"id": "83", "key": "e", "status": "active",
                   "variations": [{"id": "84", "traffic_allocation": 50}, {"id": "85", "traffic_allocation": 50}]}],
  "goals": [{"id": "87", "key": "g"}, {"id": "88", "key": "buy"}]}'
# A batch tracked before citus_distribute(): its rows and today's and
# tomorrow's partitions (created by track()) move to the workers.
early='{"accountId": "81", "projectId": "82", "enrichData": true, "visitors": [
  {"visitorId": "early-1", "segments": {"country": "DE"}, "events": [
    {"eventType": "bucketing", "data": {"experienceId": "83", "variationId": "85"}},
    {"eventType": "conversion", "data": {"goalId": "88", "goalData": [{"key": "amount", "value": 9},
                                                                     {"key": "transactionId", "value": "early"}]}}]}]}'
for db in c s; do
  $db -c "SELECT convert.import_project('$project')" >/dev/null || exit 1
  $db -c "SELECT convert.track('81/82', '$early')" >/dev/null || exit 1
done

first=$(c -c "SELECT array_to_string(convert.citus_distribute(), ' ')")
model="convert.accounts convert.projects convert.project_environments convert.sdk_keys convert.goals convert.locations"
model+=" convert.audiences convert.segments convert.features convert.feature_variables convert.experiences"
model+=" convert.experience_locations convert.experience_audiences convert.experience_goals convert.variations"
model+=" convert.variation_changes convert.archived_experiences convert.debug_tokens"
check "citus_distribute() distributes the tracking tables and the model" \
  "$([[ $first == "convert.events convert.visitor_bucketing convert.visitor_goals convert.goal_transactions convert.segment_sets $model" ]]; echo $?)" "$first"
again=$(c -c "SELECT cardinality(convert.citus_distribute())")
check "citus_distribute() again changes nothing" "$([[ $again == 0 ]]; echo $?)" "$again"
colocated=$(c -c "SELECT count(DISTINCT colocationid) FROM pg_dist_partition
                  WHERE logicalrelid IN ('convert.events'::regclass, 'convert.visitor_bucketing'::regclass,
                                         'convert.visitor_goals'::regclass)")
check "events, assignments and goals are co-located" "$([[ $colocated == 1 ]]; echo $?)" "$colocated"

# The project model: reference tables with a copy on every node, the
# coordinator's included (it keeps the config cache).
copies=$(c -c "SELECT count(DISTINCT p.logicalrelid) || ' tables, ' || count(*) || ' copies on '
                      || count(DISTINCT pl.groupid) || ' nodes'
               FROM pg_dist_partition AS p JOIN pg_dist_shard AS s USING (logicalrelid)
               JOIN pg_dist_placement AS pl USING (shardid)
               WHERE p.partmethod = 'n' AND p.logicalrelid::text <> 'convert.segment_sets'")
check "the model is 18 reference tables, copied to every node" \
  "$([[ $copies == "18 tables, 54 copies on 3 nodes" ]]; echo $?)" "$copies"
keys=$(c -c "SELECT count(*) FROM pg_constraint
             WHERE contype = 'f' AND conrelid IN (SELECT logicalrelid FROM pg_dist_partition)")
check "their 23 foreign keys were created again" "$([[ $keys == 23 ]]; echo $?)" "$keys"
check "the config cache was rendered before" \
  "$([[ $(c -c "SELECT count(*) FROM convert.config_cache WHERE project_id = 82") == 4 ]]; echo $?)"
# A changed config through the coordinator: the model on every node, the
# cache and the notification on the coordinator only.
changed='{"account_id": "81", "project": {"id": "82", "name": "renamed"},
  "experiences": [{"id": "83", "key": "e", "status": "active",
                   "variations": [{"id": "84", "traffic_allocation": 50}, {"id": "85", "traffic_allocation": 50}]}],
  "goals": [{"id": "87", "key": "g"}, {"id": "88", "key": "buy"}]}'
etag="SELECT etag FROM convert.config_cache WHERE project_id = 82 AND environment = '' AND NOT debug"
before=$(c -c "$etag")
notified=$(c -c "LISTEN convert_config" -c "SELECT convert.import_project('$changed')" 2>&1)
check "importing a changed project notifies the front ends" \
  "$([[ $notified == *'"convert_config" with payload "82"'* ]]; echo $?)" "$notified"
check "and renders its config again" "$([[ $(c -c "$etag") != "$before" ]]; echo $?)"
served=$(c -c "SELECT convert.project_config(81, 82) -> 'project' ->> 'name'")
check "the coordinator serves the change" "$([[ $served == renamed ]]; echo $?)" "$served"
for i in 1 2; do
  seen=$(q "${ports[$i]}" convert_citus -c "SELECT name FROM convert.projects WHERE id = 82")
  idle=$(q "${ports[$i]}" convert_citus -c "SELECT (SELECT count(*) FROM convert.config_cache)
                                                  + (SELECT count(*) FROM convert.config_dirty)")
  check "${nodes[$i]} holds the change, and no cache" "$([[ $seen == renamed && $idle == 0 ]]; echo $?)" "$seen $idle"
done
c -c "UPDATE convert.goals SET name = 'Goal G' WHERE project_id = 82 AND id = 87" >/dev/null
check "an UPDATE of a model table reaches the served config" \
  "$([[ $(c -c "SELECT convert.project_config(81, 82) -> 'goals' -> 0 ->> 'name'") == "Goal G" ]]; echo $?)"
over=$(c -c "\\set VERBOSITY sqlstate" -c "UPDATE convert.variations SET traffic_allocation = 90 WHERE id = 84" 2>&1)
check "the traffic check still refuses more than 100 percent" "$([[ $over == *23514* ]]; echo $?)" "$over"
key=$(c -c "LISTEN convert_config" -c "INSERT INTO convert.sdk_keys (sdk_key, project_id) VALUES ('citus-key', 82)" \
        -c "SET ROLE convert_api" -c "SELECT convert.project_config_by_sdk_key('citus-key') -> 'project' ->> 'name'" 2>&1)
check "a new SDK key is announced and serves convert_api" \
  "$([[ $key == *'payload "sdk_key:citus-key"'* && $key == *renamed* ]]; echo $?)" "$key"
c -c "SELECT convert.import_project('{\"account_id\": \"81\", \"project\": {\"id\": \"91\"},
        \"experiences\": [{\"id\": \"92\", \"key\": \"x\", \"variations\": [{\"id\": \"93\"}]}]}')" >/dev/null
c -c "DELETE FROM convert.projects WHERE id = 91" >/dev/null
gone=$(c -c "SELECT (SELECT count(*) FROM convert.experiences WHERE project_id = 91)
                    + (SELECT count(*) FROM convert.variations WHERE project_id = 91)
                    + (SELECT count(*) FROM convert.config_cache WHERE project_id = 91)")
check "deleting a project cascades on every copy and clears its cache" "$([[ $gone == 0 ]]; echo $?)" "$gone"
# A join of a distributed table with the model runs whole on the workers.
plan=$(c -c "EXPLAIN SELECT v.key, count(*) FROM convert.visitor_bucketing AS vb
             JOIN convert.variations AS v ON v.project_id = vb.project_id AND v.id = vb.variation_id
             GROUP BY v.key")
check "a join with the model is pushed down to the shards" \
  "$([[ $plan == *"Task Count: 32"* && $plan != *"Subplan"* && $plan != *"intermediate"* ]]; echo $?)" "$plan"

# Backfill: decisions over a distributed table equal a local run.
backfill="SELECT md5(string_agg(v.visitor_id || ':' || convert.select_variation(
                   '[{\"id\": \"84\", \"traffic_allocation\": 50}, {\"id\": \"85\", \"traffic_allocation\": 50}]',
                   v.visitor_id, '83', 7) || ':' ||
                 coalesce(convert.run_experience((SELECT k.config FROM backfill_config AS k),
                                                 v.visitor_id, 'e') ->> 'id', '-'),
                 ',' ORDER BY v.visitor_id))
          FROM backfill_visitors AS v"
for db in c s; do
  $db -c "CREATE TABLE backfill_visitors AS SELECT 'visitor-' || i AS visitor_id FROM generate_series(1, 5000) AS i" \
      -c "ALTER TABLE backfill_visitors ADD PRIMARY KEY (visitor_id)" \
      -c "CREATE TABLE backfill_config AS SELECT convert.project_config(81, 82)::text::convert.config AS config" || exit 1
done
c -c "SELECT create_distributed_table('backfill_visitors', 'visitor_id')" >/dev/null || exit 1
check "backfill over a distributed table equals a local run" \
  "$([[ $(c -c "$backfill") == "$(s -c "$backfill")" ]]; echo $?)"

# SDK-shaped batches: two visitors each, with re-sent visitors, decisions,
# goals and transactions, half of them enriched.
s -c "SELECT format('SELECT convert.track(%L, %L) IS NOT NULL;', '81/82', json_build_object(
        'enrichData', i % 2 = 0, 'accountId', '81', 'projectId', '82', 'source', 'js4.4.3',
        'visitors', json_build_array(
          json_build_object('visitorId', 'v' || (i % 400), 'segments', json_build_object('country', 'NL', 'n', i % 3),
            'events', json_build_array(
              json_build_object('eventType', 'bucketing', 'data', json_build_object('experienceId', '83', 'variationId', (84 + i % 2)::text)),
              json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '87')),
              json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '88',
                'goalData', json_build_array(json_build_object('key', 'amount', 'value', i % 50 + 0.5),
                                             json_build_object('key', 'transactionId', 'value', 't' || (i % 700))))))),
          json_build_object('visitorId', 'w' || (i % 250),
            'events', json_build_array(
              json_build_object('eventType', 'bucketing', 'data', json_build_object('experienceId', '83', 'variationId', (85 - i % 3 % 2)::text)),
              json_build_object('eventType', 'conversion', 'data', json_build_object('goalId', '88',
                'goalData', json_build_array(json_build_object('key', 'amount', 'value', 3)))))))))
      FROM generate_series(1, $batches) AS i" >"$work/batches.sql" || exit 1
start=$(( $(date +%s%N) / 1000000 ))
psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d convert_citus \
  -f "$work/batches.sql" >"$work/coord.out" 2>&1
check "$batches batches tracked through the coordinator" $? "$(head -c 400 "$work/coord.out")"
echo "tracking $batches batches through the coordinator: $(( $(date +%s%N) / 1000000 - start )) ms"
start=$(( $(date +%s%N) / 1000000 ))
psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d convert_single \
  -f "$work/batches.sql" >"$work/single.out" 2>&1
check "$batches batches tracked on the single node" $? "$(head -c 400 "$work/single.out")"
echo "tracking $batches batches on a single node: $(( $(date +%s%N) / 1000000 - start )) ms"
c -c "SELECT convert.ensure_event_partitions(now() + interval '3 days', now() + interval '4 days')" >/dev/null
later=$(c -c "SELECT count(*) || ' of ' || (SELECT count(*) FROM pg_inherits WHERE inhparent = 'convert.events'::regclass)
              FROM pg_dist_partition p JOIN pg_inherits h ON h.inhrelid = p.logicalrelid
              WHERE h.inhparent = 'convert.events'::regclass")
check "partitions created later (by track() and cron) are distributed too" \
  "$([[ $later == "4 of 4" || $later == "5 of 5" ]]; echo $?)" "$later"

# What was stored, without the times of storing.
snapshot() {
  $1 -c "SELECT count(*), md5(string_agg(x.r, ',' ORDER BY x.r))
           FROM (SELECT concat_ws('|', project_id, visitor_id, event_type, experience_id, variation_id, goal_id,
                                  amount, products_count, transaction_id, goal_data, bucketing, source,
                                  segments_digest, stored_segments_digest) AS r
                 FROM convert.events) AS x" \
     -c "SELECT count(*), md5(string_agg(concat_ws('|', project_id, visitor_id, experience_id, variation_id, segments_digest),
                  ',' ORDER BY visitor_id, experience_id)) FROM convert.visitor_bucketing" \
     -c "SELECT count(*), md5(string_agg(concat_ws('|', project_id, visitor_id, goal_id), ',' ORDER BY visitor_id, goal_id))
           FROM convert.visitor_goals" \
     -c "SELECT count(*), md5(string_agg(concat_ws('|', project_id, goal_id, transaction_id, visitor_id), ','
                  ORDER BY goal_id, transaction_id)) FROM convert.goal_transactions" \
     -c "SELECT count(*), md5(string_agg(encode(digest, 'hex') || segments::text, ',' ORDER BY digest))
           FROM convert.segment_sets" \
     -c "SELECT count(*) FROM convert.track_batches"
}
snapshot c >"$work/coord.snap"
snapshot s >"$work/single.snap"
rows="SELECT concat_ws('|', visitor_id, event_type, experience_id, variation_id, goal_id, amount, transaction_id,
                      bucketing, segments_digest, stored_segments_digest) AS r FROM convert.events ORDER BY r"
check "the coordinator stored exactly what the single node stored" \
  "$(cmp -s "$work/coord.snap" "$work/single.snap"; echo $?)" \
  "$(paste -d ' ' "$work/coord.snap" "$work/single.snap" | tr '\n' ';') $(
     diff <(c -c "$rows") <(s -c "$rows") | head -n 6 | tr '\n' ';')"
check "events were stored" "$([[ $(head -n 1 "$work/coord.snap" | cut -d '|' -f 1) -gt $batches ]]; echo $?)" \
  "$(head -n 1 "$work/coord.snap")"
resend=$(c -c "$(sed -n 7p "$work/batches.sql" | sed 's/ IS NOT NULL;/ ->> '"'message'"'/')")
check "a re-sent batch is recognised" "$([[ $resend == "duplicate batch"* ]]; echo $?)" "$resend"

# The proxy's role tracks too (track() reaches the tables as its owner).
api=$(c -c "SET ROLE convert_api" -c "SELECT convert.track('81/82', '{\"accountId\": \"81\", \"projectId\": \"82\",
  \"visitors\": [{\"visitorId\": \"api-1\", \"events\": [
    {\"eventType\": \"bucketing\", \"data\": {\"experienceId\": \"83\", \"variationId\": \"84\"}}]}]}') ->> 'stored'" 2>&1)
check "convert_api tracks through the coordinator" "$([[ $api == 1 ]]; echo $?)" "$api"
c -c "DELETE FROM convert.events WHERE visitor_id = 'api-1'" -c "DELETE FROM convert.visitor_bucketing WHERE visitor_id = 'api-1'"

# A bad event in the middle of a batch stores nothing on any node.
counts="SELECT (SELECT count(*) FROM convert.events) || ' ' || (SELECT count(*) FROM convert.visitor_bucketing)
               || ' ' || (SELECT count(*) FROM convert.visitor_goals) || ' ' || (SELECT count(*) FROM convert.goal_transactions)
               || ' ' || (SELECT count(*) FROM convert.segment_sets) || ' ' || (SELECT count(*) FROM convert.track_batches)"
before=$(c -c "$counts")
bad=$(c -c "SELECT convert.track('81/82', '{\"accountId\": \"81\", \"projectId\": \"82\", \"visitors\": [
  {\"visitorId\": \"atomic-1\", \"segments\": {\"country\": \"FR\"}, \"events\": [
    {\"eventType\": \"bucketing\", \"data\": {\"experienceId\": \"83\", \"variationId\": \"84\"}},
    {\"eventType\": \"conversion\", \"data\": {\"goalId\": \"87\"}}]},
  {\"visitorId\": \"atomic-2\", \"events\": [
    {\"eventType\": \"conversion\", \"data\": {\"goalId\": \"88\", \"goalData\": [{\"key\": \"transactionId\", \"value\": \"atomic\"}]}},
    {\"eventType\": \"teleport\", \"data\": {}},
    {\"eventType\": \"bucketing\", \"data\": {\"experienceId\": \"83\", \"variationId\": \"85\"}}]}]}')" 2>&1)
check "a batch with a bad event in the middle is refused" "$([[ $bad == *"visitors[1].events[1]"* ]]; echo $?)" "$bad"
after=$(c -c "$counts")
check "and stores nothing" "$([[ $before == "$after" ]]; echo $?)" "$before / $after"
atomic=$(c -c "SELECT (SELECT count(*) FROM convert.events WHERE visitor_id LIKE 'atomic-%')
                    + (SELECT count(*) FROM convert.visitor_bucketing WHERE visitor_id LIKE 'atomic-%')
                    + (SELECT count(*) FROM convert.goal_transactions WHERE transaction_id = 'atomic')")
check "on any worker" "$([[ $atomic == 0 ]]; echo $?)" "$atomic"

# Results and SRM over the distributed tables equal the single node's.
results="SELECT md5(string_agg(r::text, ',')) FROM convert.experience_results(82, '83') AS r"
srm="SELECT string_agg(r::text, ',') FROM convert.srm_check(82, '83') AS r"
cr=$(c -c "$results" 2>&1)
echo "experience_results on Citus: $(c -c "SELECT count(*) || ' rows, visitors ' || string_agg(r.visitors::text, '/')
                                                || ', conversions ' || string_agg(r.conversions::text, '/')
                                         FROM convert.experience_results(82, '83') AS r")"
check "experience_results equals the single node's" "$([[ $cr == "$(s -c "$results")" ]]; echo $?)" "$cr"
cs=$(c -c "$srm" 2>&1)
check "srm_check equals the single node's" "$([[ $cs == "$(s -c "$srm")" ]]; echo $?)" "$cs"

# An analyst logs in as a role of their own, a member of convert_analyst
# (Citus creates the role on the workers, where the shard tallies run as
# the caller).
c -c "CREATE ROLE citus_test_analyst LOGIN IN ROLE convert_analyst" >/dev/null
analyst() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U citus_test_analyst -d convert_citus "$@"; }
ar=$(analyst -c "$results" 2>&1)
check "an analyst's experience_results equals the single node's" "$([[ $ar == "$(s -c "$results")" ]]; echo $?)" "$ar"
as=$(analyst -c "$srm" 2>&1)
check "and srm_check" "$([[ $as == "$(s -c "$srm")" ]]; echo $?)" "$as"
denied=$(analyst -c "SELECT convert.import_project('{}')" 2>&1)
check "an analyst cannot write the model" "$([[ $denied == *"permission denied"* ]]; echo $?)" "$denied"

# Config reads on the coordinator: the key and the model are reference
# tables read from its own copy (printed, not checked: one machine).
reads="SELECT count(convert.project_config_by_sdk_key('citus-key')) FROM generate_series(1, 2000)"
s -c "INSERT INTO convert.sdk_keys (sdk_key, project_id) VALUES ('citus-key', 82)" >/dev/null
for db in c s; do
  start=$(( $(date +%s%N) / 1000000 ))
  $db -c "$reads" >/dev/null
  echo "2000 config reads by SDK key on the $([[ $db == c ]] && echo Citus coordinator || echo single node): $(( $(date +%s%N) / 1000000 - start )) ms"
done

# The other readouts: the same answers, or the error they give on Citus.
for readout in "experience_analysis(82, '83')" "experience_analysis(82, '83', dimension => 'country')" \
               "experience_analysis(82, '83', cuped => true)" "experience_daily_results(82, '83')"; do
  query="SELECT md5(string_agg(r::text, ',')) FROM convert.$readout AS r"
  got=$(c -c "$query" 2>&1)
  check "$readout equals the single node's" "$([[ $got == "$(s -c "$query")" ]]; echo $?)" "$(head -c 300 <<<"$got")"
done

# The per-visitor tally runs on the workers: one shard query per pair of
# co-located shards, and no per-visitor scan of the events from the
# coordinator (docs/citus.md, Analysis).
shard_count=$(c -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'convert.visitor_bucketing'::regclass")
for readout in "experience_results(82, '83')" "experience_analysis(82, '83', dimension => 'country', cuped => true)"; do
  shard_fn=analysis_tally_shard
  [[ $readout == experience_analysis* ]] && shard_fn=analysis_moments_shard
  c -c "SET citus.log_remote_commands = on" -c "SET client_min_messages = notice" \
    -c "SELECT count(*) FROM convert.$readout" >"$work/remote.out" 2>&1
  on_shards=$(grep -c "issuing SELECT coalesce(json_agg(t), '\[\]') FROM convert_internal.$shard_fn(" "$work/remote.out")
  check "$readout: the tally ran on each of the $shard_count shard pairs" \
    "$([[ $on_shards == "$shard_count" ]]; echo $?)" "$on_shards; $(head -c 300 "$work/remote.out")"
  echo "$readout on Citus: $(grep -c issuing "$work/remote.out") remote commands, $on_shards of them shard tallies"
  scans=$(grep "issuing" "$work/remote.out" | grep -v "convert_internal.$shard_fn(" | grep -c "events_[0-9]")
  check "$readout: the coordinator read no events itself" "$([[ $scans == 0 ]]; echo $?)" \
    "$(grep "issuing" "$work/remote.out" | grep -v "convert_internal.$shard_fn(" | grep -m 1 "events_[0-9]" | head -c 300)"
done
# An error on a worker reaches the caller with its message and the shard.
err=$(c -c "SELECT count(*) FROM convert_internal.analysis_moments_citus(82, 83, NULL, NULL, NULL, NULL, NULL, NULL,
                                                                          '2 months', NULL)" 2>&1)
check "a worker's error reaches the caller" \
  "$([[ $err == *"ERROR:  CUPED lookback must be between 0 and 366 days"*"On shard "* ]]; echo $?)" \
  "$(head -c 300 <<<"$err")"
# Percentile outlier bounds keep the coordinator's tally (every order value
# at once): the same answers, and no shard tally.
for db in c s; do
  $db -c "UPDATE convert.projects SET outliers = '{\"order_value\": {\"detection_type\": \"percentile\", \"min\": 5, \"max\": 95}}' WHERE id = 82"
done
bounded="SELECT md5(string_agg(r::text, ',')) FROM convert.experience_results(82, '83') AS r"
got=$(c -c "SET citus.log_remote_commands = on" -c "SET client_min_messages = notice" -c "$bounded" 2>"$work/remote.out")
check "with percentile bounds experience_results equals the single node's" \
  "$([[ $got == "$(s -c "$bounded")" && $(grep -c analysis_tally_shard "$work/remote.out") == 0 ]]; echo $?)" "$got"
for db in c s; do
  $db -c "UPDATE convert.projects SET outliers = '{\"order_value\": {\"detection_type\": \"min_max\", \"min\": 1, \"max\": 40}}' WHERE id = 82"
done
got=$(c -c "$bounded" 2>&1)
check "with fixed bounds (on the shards) experience_results equals the single node's" \
  "$([[ $got == "$(s -c "$bounded")" ]]; echo $?)" "$got"
for db in c s; do $db -c "UPDATE convert.projects SET outliers = NULL WHERE id = 82"; done

# Growing the cluster: a third worker gets a copy of the model and, after
# a rebalance, shards of the tracking tables; the answers stay the same.
# Citus' defaults: the model copied and the shards moved by logical
# replication, which needs each table's replica identity.
grown=$(c -c "SELECT citus_add_node('127.0.0.1', ${ports[3]})" -c "SELECT rebalance_table_shards()" 2>&1)
check "a third worker joins and the shards are rebalanced online" $? "$(head -c 400 <<<"$grown")"
moved=$(c -c "SELECT count(*) FROM pg_dist_placement AS pl JOIN pg_dist_node AS n USING (groupid)
              JOIN pg_dist_shard AS s USING (shardid)
              WHERE n.nodeport = ${ports[3]} AND s.logicalrelid = 'convert.events'::regclass")
echo "after the rebalance w3 holds $moved of the 32 shards of convert.events"
check "w3 holds shards of convert.events" "$([[ $moved -gt 0 ]]; echo $?)" "$moved"
w3model=$(q "${ports[3]}" convert_citus -c "SELECT name FROM convert.projects WHERE id = 82")
check "w3 holds the model" "$([[ $w3model == renamed ]]; echo $?)" "$w3model"
cr=$(c -c "$results" 2>&1)
check "after the rebalance experience_results equals the single node's" "$([[ $cr == "$(s -c "$results")" ]]; echo $?)" "$cr"
cs=$(c -c "$srm" 2>&1)
check "and srm_check" "$([[ $cs == "$(s -c "$srm")" ]]; echo $?)" "$cs"
c -c "UPDATE convert.goals SET name = 'Goal G2' WHERE project_id = 82 AND id = 87" >/dev/null
w3idle=$(q "${ports[3]}" convert_citus -c "SELECT (SELECT count(*) FROM convert.config_cache)
                                                 + (SELECT count(*) FROM convert.config_dirty)")
check "a model change after it is served, and w3 keeps no cache" \
  "$([[ $(c -c "SELECT convert.project_config(81, 82) -> 'goals' -> 0 ->> 'name'") == "Goal G2" && $w3idle == 0 ]]; echo $?)" \
  "$w3idle"

# Concurrent sessions: 4 at once through the coordinator store the same
# assignments, goals and transactions as one session on the single node
# (which events are stored may depend on the order, those may not).
sed -e 's/"visitorId" : "/"visitorId" : "concurrent-/g' -e 's/"value" : "t/"value" : "concurrent-t/g' "$work/batches.sql" >"$work/concurrent.sql"
split -n l/4 "$work/concurrent.sql" "$work/part."
start=$(( $(date +%s%N) / 1000000 ))
for part in "$work"/part.*; do
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d convert_citus \
    -f "$part" >"$part.out" 2>&1 &
done
concurrent_failed=0
for job in $(jobs -p); do wait "$job" || concurrent_failed=1; done
echo "tracking $batches batches through the coordinator from 4 sessions: $(( $(date +%s%N) / 1000000 - start )) ms"
check "4 concurrent sessions track without an error" "$concurrent_failed" "$(cat "$work"/part.*.out | head -c 400)"
psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${ports[0]}" -U postgres -d convert_single \
  -f "$work/concurrent.sql" >/dev/null 2>&1
kept="SELECT (SELECT count(*) FROM convert.visitor_bucketing WHERE visitor_id LIKE 'concurrent-%') || ' '
             || (SELECT count(*) FROM convert.visitor_goals WHERE visitor_id LIKE 'concurrent-%') || ' '
             || (SELECT count(*) FROM convert.goal_transactions WHERE visitor_id LIKE 'concurrent-%') || ' '
             || (SELECT count(*) FROM convert.events WHERE visitor_id LIKE 'concurrent-%' AND event_type = 'conversion')"
echo "concurrent sessions stored (assignments, goals, transactions, conversions): $(c -c "$kept")"
check "and store what one session stores" "$([[ $(c -c "$kept") == "$(s -c "$kept")" && $(s -c "$kept") != *" 0 "* ]]; echo $?)" \
  "$(c -c "$kept") / $(s -c "$kept")"

# DROP EXTENSION leaves no shard table on any node.
refused=$(c -c "DROP EXTENSION convert CASCADE" 2>&1)
check "DROP EXTENSION is refused while distributed" \
  "$([[ $refused == *"convert.citus_prepare_drop()"* ]]; echo $?)" "$refused"
prepared=$(c -c "SELECT array_to_string(convert.citus_prepare_drop(), ' ')" 2>"$work/prepare.err")
check "citus_prepare_drop() names the old shard copies the rebalance left" \
  "$(grep -q "old copies of shards of convert still wait" "$work/prepare.err"; echo $?)" "$(head -c 300 "$work/prepare.err")"
c -c "CALL citus_cleanup_orphaned_resources()" >/dev/null
check "citus_prepare_drop() drops the 23 tables Citus holds" \
  "$([[ $(wc -w <<<"$prepared") == 23 && $prepared == *convert.events* && $prepared == *convert.projects* ]]; echo $?)" "$prepared"
dropped=$(c -c "DROP TABLE backfill_visitors, backfill_config" -c "DROP EXTENSION convert" -c "DROP ROLE citus_test_analyst" 2>&1)
check "DROP EXTENSION convert" $? "$dropped"
for i in 0 1 2 3; do
  left=$(q "${ports[$i]}" convert_citus -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                            WHERE n.nspname = 'convert'")
  check "nothing of convert left on ${nodes[$i]}" "$([[ $left == 0 ]]; echo $?)" "$left relations"
done

# A database that installed 0.1.0 on Citus (before Citus support) updates
# on every node, then distributes.
for i in 0 1 2; do
  q "${ports[$i]}" postgres -c "CREATE DATABASE convert_upgrade" || exit 1
  q "${ports[$i]}" convert_upgrade -c "CREATE EXTENSION citus" || exit 1
done
u() { q "${ports[0]}" convert_upgrade "$@"; }
citus_add_workers convert_upgrade 2 || exit 1
u -c "CREATE EXTENSION convert VERSION '0.1.0'" \
  -c "SELECT convert.import_project('$project')" -c "SELECT convert.track('81/82', '$early')" >/dev/null || exit 1
updated=$(u -c "ALTER EXTENSION convert UPDATE" 2>&1)
check "ALTER EXTENSION convert UPDATE from 0.1.0 on Citus" $? "$updated"
versions=""
for i in 0 1 2; do
  versions+=$(q "${ports[$i]}" convert_upgrade -c "SELECT extversion FROM pg_extension WHERE extname = 'convert'")" "
done
check "every node has 0.2.0" "$([[ $versions == "0.2.0 0.2.0 0.2.0 " ]]; echo $?)" "$versions"
upgraded=$(u -c "SET client_min_messages = warning" -c "SELECT cardinality(convert.citus_distribute())" 2>&1)
check "the updated installation distributes" "$([[ $upgraded == 23 ]]; echo $?)" "$upgraded"
kept=$(u -c "SELECT (SELECT count(*) FROM convert.events) || ' ' || (SELECT count(*) FROM convert.visitor_bucketing)
                    || ' ' || (convert.project_config(81, 82) -> 'project' ->> 'id')" 2>&1)
check "with what 0.1.0 tracked and served" "$([[ $kept == "2 1 82" ]]; echo $?)" "$kept"
u -c "SELECT convert.citus_prepare_drop()" -c "DROP EXTENSION convert" >/dev/null
check "and drops cleanly" $?

echo "citus: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
