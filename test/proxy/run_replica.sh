#!/usr/bin/env bash
# convert-proxy with read servers (replica_test.mjs): a primary with the
# extension and a hot standby made from it by pg_basebackup -R, both
# started here on loopback ports and stopped at the end.
#
#   run_replica.sh [SUITE-NAME [PROXY-BINARY | asan]]
#
# Called by test/run-tests.sh as proxy-replica.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../../src/scripts/pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"

suite=${1:-proxy-replica}
bin=${2:-$top/convert-proxy}
fail() {
  echo "$1" >&2
  echo "$suite: 0 passed, 1 failed"
  exit 1
}
if [[ "$bin" == asan ]]; then
  bin="$top/test/proxy/convert-proxy-asan"
  make -s -C "$top" test/proxy/convert-proxy-asan >/dev/null || fail "asan build failed"
fi
work=$(mktemp -d)
chmod 755 "$work"

cleanup() {
  cluster_stop "$work/standby" 2>/dev/null
  cluster_stop "$work/primary" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cluster_start_free "$work/primary" 58432 || fail "$(tail -n 30 "$work/primary/server.log")"
pport=$cluster_port
export PGHOST="$work/primary" PGPORT="$pport" PGUSER=postgres PGDATABASE=proxy_replica
"$(cluster_bindir)/createdb" proxy_replica &&
  psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION convert' >/dev/null ||
  fail "could not create the extension on the primary"

# The standby: a base backup that streams from the primary (-R writes
# primary_conninfo and standby.signal).
make_server_dir "$work/standby"
as_server_user "$(cluster_bindir)/pg_basebackup" -D "$work/standby/data" \
  -h "$work/primary" -p "$pport" -U postgres -R -X stream -c fast >"$work/basebackup.log" 2>&1 ||
  fail "pg_basebackup failed: $(cat "$work/basebackup.log")"
cluster_start_free "$work/standby" $((pport + 1)) || fail "$(tail -n 30 "$work/standby/server.log")"
sport=$cluster_port

export ASAN_OPTIONS=detect_leaks=1:exitcode=23:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PROXY_BIN="$bin" PROXY_SUITE_NAME="$suite"
export PG_CLUSTER_SH="$top/src/scripts/pg_cluster.sh"
export PRIMARY_DIR="$work/primary" PRIMARY_PORT="$pport"
export STANDBY_DIR="$work/standby" STANDBY_PORT="$sport"
node "$here/replica_test.mjs"
