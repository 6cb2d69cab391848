# Servers with Citus on loopback, for test/live/citus_test.sh and
# test/bench/citus_analysis_bench.sh.  Source after src/scripts/pg_cluster.sh;
# the caller sets `work` (a scratch folder), `nodes` (their names) and
# calls citus_free_ports, then citus_start_nodes.

# Whether Citus is installed for the PostgreSQL these scripts use.
citus_installed() {
  [[ -f "$("$(pg_bindir)/pg_config" --sharedir)/extension/citus.control" ]]
}

# citus_free_ports FIRST: sets `ports` to one free loopback port per node,
# the first ones from FIRST.
citus_free_ports() {
  local port
  ports=()
  for ((port = $1; ${#ports[@]} < ${#nodes[@]} && port < 65000; port++)); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || ports+=("$port")
  done
}

# Stop every node and remove the scratch folder (an EXIT trap).
citus_cleanup() {
  local n
  for n in "${nodes[@]}"; do cluster_stop "$work/$n" 2>/dev/null; done
  rm -rf "$work"
}

# citus_start_nodes DB SETTINGS: a private installation of the extension,
# then each node started with Citus preloaded and SETTINGS (lines of
# postgresql.conf) added, and database DB created with Citus in it.
citus_start_nodes() {
  local db=$1 settings=$2 i
  make_server_dir "$work"
  private_install "$top" "$work/install" || { echo "citus: private install failed"; return 1; }
  for i in "${!nodes[@]}"; do
    cluster_start "$work/${nodes[$i]}" "${ports[$i]}" || { echo "citus: cannot start ${nodes[$i]}"; return 1; }
    printf '%s\n' "shared_preload_libraries = 'citus'" "citus.node_conninfo = 'sslmode=disable'" \
      "max_prepared_transactions = 100" "$settings" >>"$work/${nodes[$i]}/data/postgresql.conf"
    cluster_stop "$work/${nodes[$i]}"
    cluster_start "$work/${nodes[$i]}" "${ports[$i]}" || { echo "citus: cannot restart ${nodes[$i]}"; return 1; }
    citus_psql "${ports[$i]}" postgres -c "CREATE DATABASE $db" || return 1
    citus_psql "${ports[$i]}" "$db" -c "CREATE EXTENSION citus" || return 1
  done
}

# citus_add_workers DB COUNT: the first node coordinates DB, the next COUNT
# are its workers.
citus_add_workers() {
  local db=$1 count=$2 i
  citus_psql "${ports[0]}" "$db" -c "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})" >/dev/null || return 1
  for ((i = 1; i <= count; i++)); do
    citus_psql "${ports[0]}" "$db" -c "SELECT citus_add_node('127.0.0.1', ${ports[$i]})" >/dev/null || return 1
  done
}

# citus_psql PORT DB SQL...: run statements as postgres, print tuples only.
citus_psql() {
  local port=$1 db=$2
  shift 2
  psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}
