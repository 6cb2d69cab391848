#!/usr/bin/env bash
# convert-proxy while slow clients attack it, on loopback: normal clients
# (wrk, as many connections as the proxy has database connections) send
# config GETs and tracking POSTs in turn, once alone and once while slow
# clients (slow_clients.mjs) from three other addresses hold as many
# connections as they can, each trickling a body one byte every 500 ms.
# Prints requests/s and p99 of the normal clients for both runs, and their
# ratio (target: at least 0.80).  The proxy runs with its defaults.
#
#   test/bench/proxy_hostile_bench.sh   (BENCH_SECONDS=10 BENCH_SLOW_PER_ADDRESS=80)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"
# shellcheck source=proxy_bench_lib.sh
source "$here/proxy_bench_lib.sh"

seconds=${BENCH_SECONDS:-10}
slow_per=${BENCH_SLOW_PER_ADDRESS:-80}
pool=4

command -v wrk >/dev/null || {
  [[ $(id -u) -eq 0 ]] || { echo "needs: apt-get install wrk" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
}

bench_start
trap stop_servers EXIT
import_bench_project

port=$(free_port 18180)
"$bench_top/convert-proxy" --listen "127.0.0.1:$port" --pool-size "$pool" \
  --access-log "$bench_dir/access.log" 2>>"$bench_dir/proxy.err" &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz"

# run NAME N: wrk's requests/s and p99 into $bench_dir/NAME.*; N keeps the
# runs' visitor ids apart.
run() {
  BENCH_HERE=$here BENCH_CONFIG_PATH=/api/v1/config/bench-key BENCH_RUN_ID="$$$2" \
    wrk -t2 -c"$pool" -d"${seconds}s" --latency -s "$here/proxy_mixed.lua" \
    "http://127.0.0.1:$port/v1/track/bench-key" >"$bench_dir/$1.out"
  awk '/^Requests\/sec:/ {print $2}' "$bench_dir/$1.out" >"$bench_dir/$1.rps"
  awk '$1 == "99%" {print $2}' "$bench_dir/$1.out" >"$bench_dir/$1.p99"
  if grep -qE 'Non-2xx|Socket errors' "$bench_dir/$1.out"; then
    grep -E 'Non-2xx|Socket errors' "$bench_dir/$1.out" | sed "s/^/$1: /" >&2
  fi
  printf '%-22s %10s req/s   p99 %s\n' "$1" "$(cat "$bench_dir/$1.rps")" "$(cat "$bench_dir/$1.p99")"
}

echo "normal clients: $pool connections (the pool size), config GET and track POST in turn, ${seconds}s each"
run alone 1
node "$here/slow_clients.mjs" "$port" $((seconds + 2)) "$slow_per" 127.0.0.2 127.0.0.3 127.0.0.4 \
  >"$bench_dir/slow.out" &
pids+=($!)
sleep 2   # the slow clients take their connections first
run with-slow-clients 2
wait "${pids[-1]}"
cat "$bench_dir/slow.out"
awk -v a="$(cat "$bench_dir/with-slow-clients.rps")" -v b="$(cat "$bench_dir/alone.rps")" \
  'BEGIN {printf "with / without slow clients: %.2f (target >= 0.80)\n", a / b}'
awk '$5 != 200 {print "  status", $5, $NF}' "$bench_dir/access.log" | sort | uniq -c
