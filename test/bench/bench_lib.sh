#!/usr/bin/env bash
# Shared set-up for benchmarks (sourced): a private installation with the
# extension, a throwaway cluster on a free loopback port, and timing helpers.
# Benchmarks report ratios against a baseline measured in the same run.

bench_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../src/scripts/pg_cluster.sh
source "$bench_top/src/scripts/pg_cluster.sh"

bench_start() {
  "$bench_top/src/scripts/ensure-deps.sh" || exit 1
  make -s -C "$bench_top" >/dev/null || exit 1
  bench_dir=$(mktemp -d -p /tmp --suffix=.convert-bench)
  chmod 755 "$bench_dir"
  trap bench_stop EXIT
  private_install "$bench_top" "$bench_dir/pginstall" || exit 1
  local port
  port=$(free_port 56432)
  cluster_start "$bench_dir/cluster" "$port" || exit 1
  as_server_user "$(cluster_bindir)/psql" -qX -h "$bench_dir/cluster" -p "$port" -U postgres \
    -c "ALTER SYSTEM SET shared_buffers = '2GB'" -c "ALTER SYSTEM SET work_mem = '256MB'" \
    -c "ALTER SYSTEM SET max_parallel_workers_per_gather = 2" -c "ALTER SYSTEM SET jit = off" >/dev/null
  # Restart in place: the port stays the postmaster's own meanwhile.
  as_server_user "$(cluster_bindir)/pg_ctl" -D "$bench_dir/cluster/data" -l "$bench_dir/cluster/server.log" \
    -w -m fast restart >/dev/null || exit 1
  export PGHOST="$bench_dir/cluster" PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
  psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION convert' -f - <<'SQL'
-- Milliseconds one statement takes, run inside the server (no client I/O).
CREATE FUNCTION public.bench_ms(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE query;
  RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1);
END $$;
-- Best of n runs, in milliseconds (the first run also warms the cache).
CREATE FUNCTION public.bench_best_ms(query text, n int DEFAULT 3) RETURNS float8
LANGUAGE sql AS $$ SELECT min(public.bench_ms(query)) FROM generate_series(1, n) $$;
SQL
}

bench_stop() {
  cluster_stop "$bench_dir/cluster" 2>/dev/null
  rm -rf "$bench_dir"
}

# bench_sql QUERY: print the single value a query returns.
bench_sql() {
  psql -qXAt -v ON_ERROR_STOP=1 -c "$1"
}
