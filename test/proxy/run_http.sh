#!/usr/bin/env bash
# The proxy's HTTP suite (http_test.mjs) against a cluster of its own, with
# test doubles of the SQL contract loaded (fake_contract.sql): the suite
# restarts that cluster, so it never touches the one other suites share.
#
#   run_http.sh [SUITE-NAME [PROXY-BINARY | asan | valgrind]]
#
# Called by test/run-tests.sh as proxy-http (the normal build) and as
# proxy-sanitize (the AddressSanitizer + UBSan build).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../../src/scripts/pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"

suite=${1:-proxy-http}
bin=${2:-$top/convert-proxy}
if [[ "$bin" == asan ]]; then
  bin="$top/test/proxy/convert-proxy-asan"
  make -s -C "$top" test/proxy/convert-proxy-asan >/dev/null || {
    echo "$suite: 0 passed, 1 failed"
    exit 1
  }
fi
work=$(mktemp -d)
chmod 755 "$work"
if [[ "$bin" == valgrind ]]; then
  # memcheck: any error or definite/indirect leak makes the proxy exit 99,
  # which fails the test that stops it.
  bin="$work/convert-proxy-valgrind"
  printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "%s" "$@"\n' \
    "$top/convert-proxy" >"$bin"
  chmod +x "$bin"
fi

cleanup() {
  cluster_stop "$work/cluster" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port 57432)
if ! cluster_start "$work/cluster" "$port"; then
  tail -n 30 "$work/cluster/server.log" 2>/dev/null
  echo "$suite: 0 passed, 1 failed"
  exit 1
fi
export PGHOST="$work/cluster" PGPORT="$port" PGUSER=postgres PGDATABASE=proxy_http
"$(cluster_bindir)/createdb" proxy_http &&
  psql -qX -v ON_ERROR_STOP=1 -f "$here/fake_contract.sql" >/dev/null || {
  echo "$suite: 0 passed, 1 failed"
  exit 1
}

# Sanitizer builds: a leak or any report makes the proxy exit non-zero,
# which the test that stops it reports.
export ASAN_OPTIONS=detect_leaks=1:exitcode=23:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PROXY_BIN="$bin" PROXY_SUITE_NAME="$suite"
export PG_CLUSTER_SH="$top/src/scripts/pg_cluster.sh" CLUSTER_DIR="$work/cluster"
node "$here/http_test.mjs"
