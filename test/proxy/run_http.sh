#!/usr/bin/env bash
# The proxy's HTTP suite (http_test.mjs) against a cluster of its own, with
# test doubles of the SQL contract loaded (fake_contract.sql): the suite
# restarts that cluster, so it never touches the one other suites share.
#
#   run_http.sh [SUITE-NAME [PROXY-BINARY | asan | valgrind [pgbouncer]]]
#
# Called by test/run-tests.sh as proxy-http (the normal build), as
# proxy-sanitize (the AddressSanitizer + UBSan build) and as
# proxy-pgbouncer: every proxy then reaches the database through a real
# PgBouncer in transaction pooling (--pgbouncer on), LISTEN directly.
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

via=${3:-direct}

cleanup() {
  if [[ -f "$work/pgbouncer/pgbouncer.pid" ]]; then
    kill "$(cat "$work/pgbouncer/pgbouncer.pid")" 2>/dev/null
  fi
  cluster_stop "$work/cluster" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if ! cluster_start_free "$work/cluster" 57432; then
  tail -n 30 "$work/cluster/server.log" 2>/dev/null
  echo "$suite: 0 passed, 1 failed"
  exit 1
fi
port=$cluster_port
export PGHOST="$work/cluster" PGPORT="$port" PGUSER=postgres PGDATABASE=proxy_http
"$(cluster_bindir)/createdb" proxy_http &&
  psql -qX -v ON_ERROR_STOP=1 -f "$here/fake_contract.sql" >/dev/null || {
  echo "$suite: 0 passed, 1 failed"
  exit 1
}

# A PgBouncer in transaction pooling on a loopback port, in front of the
# cluster; it refuses to run as root, so it runs as the server user.
start_pgbouncer() {
  local dir="$work/pgbouncer" bport
  bport=$(free_port $((port + 100)))
  make_server_dir "$dir"
  echo '"postgres" ""' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
proxy_http = host=$work/cluster port=$port dbname=proxy_http
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
admin_users = postgres
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 8
server_login_retry = 1
server_connect_timeout = 2
query_wait_timeout = 3
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  chown -R "$(server_user)" "$dir" 2>/dev/null
  as_server_user pgbouncer -d -q "$dir/pgbouncer.ini" || return 1
  local i
  for i in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$bport") 2>/dev/null && break
    sleep 0.1
  done
  export PGBOUNCER_PORT=$bport
  export PROXY_ARGS="[\"--pgbouncer\",\"on\",\"--db\",\"host=127.0.0.1 port=$bport dbname=proxy_http user=postgres\",\"--listen-db\",\"host=$work/cluster port=$port dbname=proxy_http user=postgres\"]"
}
if [[ "$via" == pgbouncer ]] && ! start_pgbouncer; then
  cat "$work/pgbouncer/pgbouncer.log" 2>/dev/null
  echo "$suite: 0 passed, 1 failed"
  exit 1
fi

# Sanitizer builds: a leak or any report makes the proxy exit non-zero,
# which the test that stops it reports.
export ASAN_OPTIONS=detect_leaks=1:exitcode=23:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PROXY_BIN="$bin" PROXY_SUITE_NAME="$suite"
export PG_CLUSTER_SH="$top/src/scripts/pg_cluster.sh" CLUSTER_DIR="$work/cluster"
node "$here/http_test.mjs"
