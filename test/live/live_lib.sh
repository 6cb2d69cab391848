#!/usr/bin/env bash
# Shared harness of the live suites (sourced): libpq's PG* variables point
# at a cluster with the extension installed (test/run-tests.sh provides
# one).  Gives a scratch directory, drops the databases named in
# $live_databases at exit, and the check() and q() helpers.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../src/scripts/pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"
bin=$(cluster_bindir)
work=$(mktemp -d)
passed=0
failed=0

live_cleanup() {
  local db
  for db in ${live_databases:-}; do
    "$bin/dropdb" --if-exists "$db" 2>/dev/null
  done
  rm -rf "$work"
}
trap live_cleanup EXIT

check() {   # check NAME CONDITION-EXIT-CODE [DETAIL]
  if [[ $2 -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1 ${3:-}"; fi
}

q() {       # q DB SQL...: run statements, print tuples only
  local db=$1
  shift
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}
