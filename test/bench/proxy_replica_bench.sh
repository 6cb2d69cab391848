#!/usr/bin/env bash
# convert-proxy with a read server, under wrk on loopback: config GET
# requests/s with the cache off, primary only vs primary + one hot standby
# (pg_basebackup -R, started here), and with the cache on.  Prints ratios
# against the primary-only run.  On one machine the standby shares the
# cores with the primary, the proxy and wrk: the ratio shows the cost of
# the routing (monitor, barrier, a second pool), not added capacity.
#
#   test/bench/proxy_replica_bench.sh    (BENCH_SECONDS=5 BENCH_CONNECTIONS=16)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"
# shellcheck source=proxy_bench_lib.sh
source "$here/proxy_bench_lib.sh"

seconds=${BENCH_SECONDS:-5}
conns=${BENCH_CONNECTIONS:-16}

command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

start_standby() {
  local dir=$bench_dir/standby
  make_server_dir "$dir"
  as_server_user "$(cluster_bindir)/pg_basebackup" -D "$dir/data" -h "$PGHOST" -p "$PGPORT" \
    -U postgres -R -X stream -c fast >/dev/null
  # The primary's 2 GB of shared buffers would be copied too.
  echo "shared_buffers = '256MB'" | as_server_user tee -a "$dir/data/postgresql.auto.conf" >/dev/null
  standby_port=$(free_port $((PGPORT + 1)))
  cluster_start "$dir" "$standby_port"
}

start_proxy() {
  local port=$1; shift
  "$bench_top/convert-proxy" --listen "127.0.0.1:$port" --access-log off --pool-size 4 "$@" \
    2>>"$bench_dir/proxy.err" &
  pids+=($!)
}

run_wrk() {
  local name=$1 url=$2 rps p99
  wrk -t2 -c"$conns" -d"${seconds}s" --latency "$url" >"$bench_dir/$name.out"
  if grep -qE 'Non-2xx|Socket errors' "$bench_dir/$name.out"; then
    grep -E 'Non-2xx|Socket errors' "$bench_dir/$name.out" >&2
    exit 1
  fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$bench_dir/$name.out")
  p99=$(awk '$1 == "99%" {print $2}' "$bench_dir/$name.out")
  printf '%-28s %10s req/s   p99 %s\n' "$name" "$rps" "$p99"
  echo "$rps" >"$bench_dir/$name.rps"
}

ratio() { awk -v a="$(cat "$bench_dir/$1.rps")" -v b="$(cat "$bench_dir/$2.rps")" 'BEGIN {printf "%.2f", a / b}'; }

bench_start
trap 'cluster_stop "$bench_dir/standby" 2>/dev/null; stop_servers' EXIT
import_bench_project
start_standby
standby="host=$bench_dir/standby port=$standby_port dbname=$PGDATABASE user=postgres"

url=/api/v1/config/bench-key
p_primary=$(free_port 19080)
start_proxy "$p_primary" --cache-ttl 0
p_standby=$(free_port $((p_primary + 1)))
start_proxy "$p_standby" --cache-ttl 0 --read-db "$standby"
p_cached=$(free_port $((p_standby + 1)))
start_proxy "$p_cached" --read-db "$standby"
for p in "$p_primary" "$p_standby" "$p_cached"; do wait_http "http://127.0.0.1:$p$url"; done
# The standby is read from once the monitor has seen it past the start.
sleep 1

# Transactions the standby has committed (read-only ones count too).
standby_xacts() {
  psql -qXAt -h "$bench_dir/standby" -p "$standby_port" \
    -c "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
}

echo "config GET, ${conns} connections, ${seconds}s each:"
run_wrk uncached-primary-only "http://127.0.0.1:$p_primary$url"
before=$(standby_xacts)
run_wrk uncached-primary+standby "http://127.0.0.1:$p_standby$url"
sleep 0.6   # statistics are flushed at most every 0.5 s
echo "  (the standby committed $(( $(standby_xacts) - before )) transactions in that run)"
run_wrk cached-primary+standby "http://127.0.0.1:$p_cached$url"
echo "primary + standby / primary only (cache off): $(ratio uncached-primary+standby uncached-primary-only)"
echo "cache on / primary only (cache off):          $(ratio cached-primary+standby uncached-primary-only)"
