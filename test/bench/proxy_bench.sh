#!/usr/bin/env bash
# convert-proxy under wrk on loopback, against nginx serving the same JSON
# file from disk in the same run:
#   config GET  requests/s and p99 latency: nginx, the proxy with its config
#               cache (default) and without it (--cache-ttl 0)
#   track POST  events/s with SDK-sized batches (10 visitors, 20 events)
# Prints ratios.  wrk and nginx are installed here, for this benchmark only.
#
#   test/bench/proxy_bench.sh            (BENCH_SECONDS=10 BENCH_CONNECTIONS=32)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench_lib.sh
source "$here/bench_lib.sh"
# shellcheck source=proxy_bench_lib.sh
source "$here/proxy_bench_lib.sh"

seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}

install_tools() {
  command -v wrk >/dev/null && command -v nginx >/dev/null && return 0
  [[ $(id -u) -eq 0 ]] || { echo "needs: apt-get install wrk nginx-light" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk nginx-light >/dev/null
}

start_nginx() {
  local port=$1 dir=$bench_dir/nginx
  mkdir -p "$dir/www/api/v1/config"
  cp "$bench_dir/config.json" "$dir/www/api/v1/config/bench-key"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
daemon off;
user root;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
  nginx -p "$dir" -c "$dir/nginx.conf" &
  pids+=($!)
}

start_proxy() {
  local port=$1; shift
  "$bench_top/convert-proxy" --listen "127.0.0.1:$port" --access-log off "$@" 2>>"$bench_dir/proxy.err" &
  pids+=($!)
}

# run_wrk NAME URL [wrk args]: prints "NAME req/s p99"; results in $bench_dir/NAME.
run_wrk() {
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$conns" -d"${seconds}s" --latency "$@" "$url" >"$bench_dir/$name.out"
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$bench_dir/$name.out")
  p99=$(awk '$1 == "99%" {print $2}' "$bench_dir/$name.out")
  if grep -qE 'Non-2xx|Socket errors' "$bench_dir/$name.out"; then
    grep -E 'Non-2xx|Socket errors' "$bench_dir/$name.out" >&2
    if [[ -f "$bench_dir/$name.log" ]]; then
      # Failures are reported with their SQLSTATE, and counted out below.
      awk '$5 != 200 {print "  status", $5, $NF}' "$bench_dir/$name.log" | sort | uniq -c >&2
    else
      echo "$name: errors during the run" >&2
      exit 1
    fi
  fi
  printf '%-22s %10s req/s   p99 %s\n' "$name" "$rps" "$p99"
  echo "$rps" >"$bench_dir/$name.rps"
}

ratio() { awk -v a="$(cat "$bench_dir/$1.rps")" -v b="$(cat "$bench_dir/$2.rps")" 'BEGIN {printf "%.2f", a / b}'; }

install_tools
bench_start
trap stop_servers EXIT

import_bench_project

p_cached=$(free_port 18080)
start_proxy "$p_cached" --pool-size 4
p_uncached=$(free_port $((p_cached + 1)))
start_proxy "$p_uncached" --pool-size 4 --cache-ttl 0

url=/api/v1/config/bench-key
wait_http "http://127.0.0.1:$p_cached$url"
wait_http "http://127.0.0.1:$p_uncached$url"
# nginx serves exactly the bytes the proxy serves.
curl -sf -o "$bench_dir/config.json" "http://127.0.0.1:$p_cached$url"
p_nginx=$(free_port $((p_uncached + 1)))
start_nginx "$p_nginx"
wait_http "http://127.0.0.1:$p_nginx$url"
cmp "$bench_dir/config.json" <(curl -sf "http://127.0.0.1:$p_nginx$url")

echo "config GET, $(wc -c <"$bench_dir/config.json") bytes, ${conns} connections, ${seconds}s each:"
run_wrk nginx "http://127.0.0.1:$p_nginx$url"
run_wrk proxy-cached "http://127.0.0.1:$p_cached$url"
run_wrk proxy-uncached "http://127.0.0.1:$p_uncached$url"
echo "proxy (cached) / nginx:   $(ratio proxy-cached nginx)"
echo "proxy (uncached) / nginx: $(ratio proxy-uncached nginx)"

echo "track POST, 10 visitors / 20 events per batch:"
# A proxy of its own, with an access log: the statuses of failures show.
p_track=$(free_port $((p_nginx + 1)))
"$bench_top/convert-proxy" --listen "127.0.0.1:$p_track" --pool-size 4 \
  --access-log "$bench_dir/track.log" 2>>"$bench_dir/proxy.err" &
pids+=($!)
wait_http "http://127.0.0.1:$p_track/healthz"
BENCH_RUN_ID=$$ run_wrk track "http://127.0.0.1:$p_track/v1/track/bench-key" -s "$here/proxy_track.lua"
ok=$(awk '$4 ~ /^\/v1\/track\// && $5 == 200' "$bench_dir/track.log" | wc -l)
all=$(awk '$4 ~ /^\/v1\/track\//' "$bench_dir/track.log" | wc -l)
awk -v r="$(cat "$bench_dir/track.rps")" -v ok="$ok" -v all="$all" \
  'BEGIN {printf "track events/s:           %.0f (%d of %d batches answered 200)\n", r * 20 * ok / all, ok, all}'
stored=$(bench_sql "SELECT count(*) FROM convert.events WHERE project_id = 10025986 AND visitor_id LIKE 'bench-%'")
echo "events stored:            $stored (expected $((ok * 20)))"
