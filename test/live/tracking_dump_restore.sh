#!/usr/bin/env bash
# Live suite: tracked data survives pg_dump / pg_restore.
#
# Tracks batches into a fresh database (creating today's partitions and
# some for a later date), dumps it, restores it into another database with
# no error, and compares every tracking table and the partitions with their
# indexes; then tracking goes on in the restored database (duplicates are
# still recognised).  Needs libpq's PG* variables for a cluster where the
# extension is installed (test/run-tests.sh provides one).
# Prints "tracking dump: N passed, N failed".
set -uo pipefail
src=convert_track_dump_src
dst=convert_track_dump_dst
live_databases="$src $dst"
# shellcheck source=live_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/live_lib.sh"

# Every tracking row and every partition with its indexes, in a stable order.
snapshot() {
  q "$1" -c "SELECT 'events', md5(string_agg(e::text, '|' ORDER BY e::text)) FROM convert.events e" \
         -c "SELECT 'visitor_bucketing', md5(string_agg(b::text, '|' ORDER BY b::text)) FROM convert.visitor_bucketing b" \
         -c "SELECT 'visitor_goals', md5(string_agg(g::text, '|' ORDER BY g::text)) FROM convert.visitor_goals g" \
         -c "SELECT 'goal_transactions', md5(string_agg(t::text, '|' ORDER BY t::text)) FROM convert.goal_transactions t" \
         -c "SELECT 'track_batches', count(*) FROM convert.track_batches" \
         -c "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid),
                    (SELECT string_agg(pg_get_indexdef(i.indexrelid), '; ' ORDER BY pg_get_indexdef(i.indexrelid))
                     FROM pg_index i WHERE i.indrelid = c.oid)
             FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
             WHERE h.inhparent = 'convert.events'::regclass ORDER BY 1"
}

batch() {   # batch VISITOR TRANSACTION: a bucketing and two conversions
  printf '{"enrichData": true, "accountId": "81", "projectId": "82", "source": "dump-test", "visitors": [
    {"visitorId": "%s", "segments": {"country": "NL"}, "events": [
      {"eventType": "bucketing", "data": {"experienceId": "83", "variationId": "85"}},
      {"eventType": "conversion", "data": {"goalId": "87"}},
      {"eventType": "conversion", "data": {"goalId": "87", "goalData": [{"key": "amount", "value": 12.5},
                                                                       {"key": "transactionId", "value": "%s"}]}}]}]}' "$1" "$2"
}

"$bin/createdb" "$src" && "$bin/createdb" "$dst" || exit 1
q "$src" -c "CREATE EXTENSION convert" || exit 1
q "$src" -c "SELECT convert.import_project('{\"account_id\": \"81\", \"project\": {\"id\": \"82\"},
  \"experiences\": [{\"id\": \"83\", \"key\": \"e\", \"status\": \"active\",
                     \"variations\": [{\"id\": \"84\"}, {\"id\": \"85\"}]}],
  \"goals\": [{\"id\": \"87\", \"key\": \"g\"}]}')" >/dev/null || exit 1
for v in 1 2 3; do
  q "$src" -c "SELECT convert.track('81/82', '$(batch "visitor-$v" "order-$v")')" >/dev/null
  check "batch $v stored" $?
done
q "$src" -c "SELECT convert.ensure_event_partitions('2031-01-01', '2031-01-03')" >/dev/null
check "partitions ahead" $?

"$bin/pg_dump" -Fc -f "$work/dump" "$src"
check "pg_dump" $?
"$bin/pg_restore" --exit-on-error -d "$dst" "$work/dump" >"$work/restore.log" 2>&1
check "pg_restore without errors" $? "$(head -c 400 "$work/restore.log")"

snapshot "$src" >"$work/src.txt"
snapshot "$dst" >"$work/dst.txt"
check "tracking tables and partitions restored" "$(cmp -s "$work/src.txt" "$work/dst.txt"; echo $?)" \
  "$(diff "$work/src.txt" "$work/dst.txt" | head -n 12 | tr "\n" " ")"
check "partitions restored with their indexes" \
  "$([[ $(q "$dst" -c "SELECT count(*) FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
                         WHERE h.inhparent = 'convert.events'::regclass") -eq \
        $(( 3 * $(q "$dst" -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'convert.events'::regclass") )) ]]; echo $?)"

# Tracking continues in the restored database: a re-sent batch stores
# nothing, a new one is stored.
again=$(q "$dst" -c "SELECT convert.track('81/82', '$(batch visitor-1 order-1)') ->> 'stored'")
check "a re-sent batch is still a duplicate" "$([[ $again == 0 ]]; echo $?)" "stored $again"
fresh=$(q "$dst" -c "SELECT convert.track('81/82', '$(batch visitor-4 order-4)') ->> 'stored'")
check "a new batch is stored" "$([[ $fresh == 3 ]]; echo $?)" "stored $fresh"

echo "tracking dump: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
