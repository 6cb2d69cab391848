#!/usr/bin/env bash
# make demo: the main job on a local default.  Creates a throwaway cluster in
# .demo/ (never the system cluster), installs the extension into a private
# copy of PostgreSQL, loads the demo data and shows the extension working.
# Runs until Ctrl-C, then stops the cluster.  CONVERT_DEMO_ONESHOT=1 shows
# everything and stops at once (used by the tests of this command).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"

demo=${CONVERT_DEMO_DIR:-$top/.demo}

"$top/src/scripts/ensure-deps.sh"
make -s -C "$top" >/dev/null

# A previous demo may still be running: stop it and start afresh.
cluster_stop "$demo/cluster" 2>/dev/null || true
rm -rf "$demo"
mkdir -p "$demo"
chmod 755 "$demo"
private_install "$top" "$demo/pginstall"
port=$(free_port "${CONVERT_DEMO_PORT:-5440}")
cluster_start "$demo/cluster" "$port"
stop_demo() { cluster_stop "$demo/cluster"; }
trap stop_demo EXIT

export PGHOST="$demo/cluster" PGPORT="$port" PGUSER=postgres PGDATABASE=convert_demo
"$(cluster_bindir)/createdb" convert_demo
psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION convert' -f "$top/src/scripts/demo.sql"

cat <<MSG

convert demo is running: PostgreSQL 15 with the extension, database convert_demo.
  connect:   psql "host=127.0.0.1 port=$port user=postgres dbname=convert_demo"
  (or)       PGHOST=$demo/cluster PGPORT=$port psql -U postgres convert_demo

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

if [[ -n "${CONVERT_DEMO_ONESHOT:-}" ]]; then
  echo "demo: done (one-shot mode)"
  exit 0
fi
echo "Press Ctrl-C to stop the demo (the cluster in $demo is stopped and kept)."
while true; do sleep 3600; done
