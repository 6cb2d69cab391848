#!/usr/bin/env bash
# make demo: the main job on a local default.  Creates a throwaway cluster in
# .demo/ (never the system cluster), installs the extension into a private
# copy of PostgreSQL, imports a demo project (experiences, audiences, goals,
# features), creates an SDK key with a secret, starts convert-proxy on
# loopback and says where to point an SDK.  Runs until Ctrl-C, then stops
# the proxy and the cluster.  CONVERT_DEMO_ONESHOT=1 shows everything, checks
# the proxy answers, and stops at once (used by the tests of this command).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"

demo=${CONVERT_DEMO_DIR:-$top/.demo}

"$top/src/scripts/ensure-deps.sh"
make -s -C "$top" all proxy >/dev/null

# fresh_demo_dir: stop a demo that may still be running there, start afresh.
fresh_demo_dir() {
  cluster_stop "$demo/cluster" 2>/dev/null || true
  rm -rf "$demo"
  mkdir -p "$demo"
  chmod 755 "$demo"
}
fresh_demo_dir
# As root the server runs as postgres, which cannot reach a checkout in a
# private home (/root is mode 700): the demo then lives under /tmp.
if ! as_server_user test -x "$demo"; then
  rm -rf "$demo"
  demo=${TMPDIR:-/tmp}/convert-demo
  echo "note: the postgres user cannot reach $top; the demo's files are in $demo"
  fresh_demo_dir
fi
private_install "$top" "$demo/pginstall"
port=$(free_port "${CONVERT_DEMO_PORT:-5440}")
cluster_start "$demo/cluster" "$port"
proxy_pid=
stop_demo() {
  [[ -n "$proxy_pid" ]] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
  cluster_stop "$demo/cluster"
}
trap stop_demo EXIT

export PGHOST="$demo/cluster" PGPORT="$port" PGUSER=postgres PGDATABASE=convert_demo
"$(cluster_bindir)/createdb" convert_demo
secret=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION convert' \
  -v project_file="$top/test/fixtures/sdk-test-config.json" -v secret="$secret" \
  -f "$top/src/scripts/demo.sql" >/dev/null

# The proxy, on a free loopback port; it logs one line per request.
proxy_port=$(free_port "${CONVERT_DEMO_PROXY_PORT:-8080}")
"$top/convert-proxy" --listen "127.0.0.1:$proxy_port" \
  --db "host=$demo/cluster port=$port user=postgres dbname=convert_demo" \
  --access-log "$demo/proxy-access.log" 2>"$demo/proxy.log" &
proxy_pid=$!

# http_get PATH [HEADER]: status line and body of a GET to the proxy.
http_get() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/$proxy_port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\n' "$1" "${2:+$2$'\r\n'}" >&3
  reply=$(cat <&3)
  exec 3<&-
  printf '%s\n' "$reply" | head -n 1
  printf '%s\n' "${reply#*$'\r\n\r\n'}"
}
for _ in $(seq 50); do
  http_get /healthz 2>/dev/null | grep -q ' 200 ' && break
  sleep 0.1
done

cat <<MSG

convert demo is running: PostgreSQL 15 with the extension, database convert_demo,
the demo project 10025986 (account 10022898) and convert-proxy.

Point an official SDK (@convertcom/js-sdk) at it:
  sdkKey:        demo-key
  sdkKeySecret:  $secret
  api.endpoint:  { config: 'http://127.0.0.1:$proxy_port/api/v1/',
                   track:  'http://127.0.0.1:$proxy_port/v1/' }

  curl -H 'Authorization: Bearer $secret' \\
       'http://127.0.0.1:$proxy_port/api/v1/config/demo-key?environment=staging'

Database:
  connect:   psql "host=127.0.0.1 port=$port user=postgres dbname=convert_demo"
  (or)       PGHOST=$demo/cluster PGPORT=$port psql -U postgres convert_demo
  proxy log: $demo/proxy-access.log

Bucketing 10,000 demo visitors into experience 100349071 (50/50), as the SDK would:
MSG
psql -X -c "SELECT variation_id, count(*) AS visitors
            FROM demo_visitors, LATERAL (SELECT convert.select_variation(
              '[{\"id\":\"1003180877\",\"traffic_allocation\":50,\"status\":\"running\"},
                {\"id\":\"1003180878\",\"traffic_allocation\":50,\"status\":\"running\"}]',
              '100349071', visitor_id) AS variation_id) AS s
            GROUP BY variation_id ORDER BY variation_id"
psql -X -c "SELECT visitor_id, convert.bucket_value(visitor_id, '100349071') AS bucket_value
            FROM (VALUES ('visitor-1'), ('visitor-äöü-1'), ('日本語ユーザー')) AS v(visitor_id)"

echo "The SDK's decision for visitor-1 in test-experience-ab-fullstack-2, computed in SQL:"
psql -XAt -c "SELECT jsonb_pretty(convert.run_experience(convert.project_config(10022898, 10025986, 'staging')::jsonb::convert.config,
              'visitor-1', 'test-experience-ab-fullstack-2',
              visitor_properties => '{\"varName3\": \"something\"}',
              location_properties => '{\"url\": \"https://convert.com/\"}'))"

if [[ -n "${CONVERT_DEMO_ONESHOT:-}" ]]; then
  echo "Config through the proxy (first line: HTTP status):"
  config_reply=$(http_get "/api/v1/config/demo-key?environment=staging" "Authorization: Bearer $secret")
  printf '%s...\n' "${config_reply:0:300}"
  echo "demo: done (one-shot mode)"
  exit 0
fi
echo "Press Ctrl-C to stop the demo (the cluster in $demo is stopped and kept)."
while true; do sleep 3600; done
