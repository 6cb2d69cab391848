#!/usr/bin/env bash
# Live suite: concurrent creators of the same events partition.
#
# Two sessions ensure the partition of the same new day at once: the first
# creates it and holds its transaction open, the second waits for it and
# must then return 0 without an error (before the fix, it could fail with
# 42P07 "relation already exists", which the proxy answers as a 500).
# Prints "partition race: N passed, N failed".
set -uo pipefail
db=convert_partition_race
live_databases=$db
# shellcheck source=live_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/live_lib.sh"

"$bin/createdb" "$db" && q "$db" -c 'CREATE EXTENSION convert' || exit 1

for round in 1 2 3 4 5; do
  day="2031-01-0$round"
  # The first session creates the partition and keeps its transaction open
  # for a moment; the second starts meanwhile and blocks on the creator lock.
  psql -qXAt -d "$db" -v ON_ERROR_STOP=1 \
    -c "BEGIN" \
    -c "SELECT convert_internal.ensure_event_partition_days('$day', '$day')" \
    -c "SELECT pg_sleep(0.5)" -c "COMMIT" >"$work/first.out" 2>&1 &
  first=$!
  sleep 0.2
  second=$(psql -qXAt -d "$db" -v ON_ERROR_STOP=1 \
             -c "SELECT convert_internal.ensure_event_partition_days('$day', '$day')" 2>&1)
  check "round $round: the waiting session returns 0" "$([[ "$second" == "0" ]]; echo $?)" "got: $second"
  wait "$first"
  check "round $round: the creating session succeeds" $? "$(cat "$work/first.out")"
  check "round $round: the creating session created it" \
    "$(grep -qx 1 "$work/first.out"; echo $?)" "$(cat "$work/first.out")"
done
echo "partition race: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
