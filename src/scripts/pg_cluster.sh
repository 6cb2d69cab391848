#!/usr/bin/env bash
# Shell helpers (sourced) for throwaway PostgreSQL clusters and for running
# the server as an unprivileged user: PostgreSQL refuses to run as root, and
# CI runs everything as root.
#
#   pg_bindir                    the PostgreSQL 15 bin directory
#   as_server_user CMD...        run CMD as the server user (postgres if root)
#   server_user                  the name of that user
#   cluster_start DIR PORT       initdb (if needed) and start a cluster in DIR
#   cluster_start_free DIR PORT  the same on the first free port from PORT
#   cluster_stop DIR             stop it
#   private_install TOP DEST     a private PostgreSQL installation in DEST
#                                with the extension built from TOP in it

pg_bindir() {
  local pgc
  pgc=$(command -v /usr/lib/postgresql/15/bin/pg_config || command -v pg_config)
  "$pgc" --bindir
}

server_user() {
  if [[ $(id -u) -eq 0 ]]; then echo postgres; else id -un; fi
}

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A directory the server user may write to.
make_server_dir() {
  mkdir -p "$1"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$1"; fi
}

# The bin directory that clusters are started from: a private installation
# when private_install set one up, the system's otherwise.
cluster_bindir() {
  echo "${CONVERT_PG_BINDIR:-$(pg_bindir)}"
}

cluster_start() {
  local dir=$1 port=$2 bin
  bin=$(cluster_bindir)
  make_server_dir "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_server_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
      --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1
  fi
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
}

cluster_stop() {
  local dir=$1
  [[ -f "$dir/data/postmaster.pid" ]] || return 0
  as_server_user "$(cluster_bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

# PostgreSQL finds its share and lib directories relative to the running
# binary, so a copy of bin/ next to symlinked share/ and lib/ trees is a
# complete installation: the extension is installed there, tests need no
# root and never touch the system's directories.  Sets CONVERT_PG_BINDIR.
private_install() {
  local top=$1 dest=$2 bindir libdir sharedir
  bindir=$(pg_bindir)
  libdir=$("$bindir/pg_config" --pkglibdir)
  sharedir=$("$bindir/pg_config" --sharedir)
  mkdir -p "$dest$bindir" "$(dirname "$dest$libdir")" "$(dirname "$dest$sharedir")"
  cp -a "$bindir/." "$dest$bindir/"
  cp -rs "$libdir" "$dest$libdir"
  cp -rs "$sharedir" "$dest$sharedir"
  # Remove links to any system-wide copy of the extension before installing.
  rm -rf "$dest$libdir"/convert.so "$dest$libdir"/bitcode/convert* \
    "$dest$sharedir"/extension/convert[.-]*
  make -C "$top" -s install DESTDIR="$dest" >/dev/null || return 1
  chmod -R a+rX "$dest"
  export CONVERT_PG_BINDIR="$dest$bindir"
}

# cluster_start_free DIR FIRST_PORT: cluster_start on a free port at or
# after FIRST_PORT, trying the next free one when another process took it
# between the look and the bind (test runs side by side); sets cluster_port.
cluster_start_free() {
  local dir=$1 port=$2 try
  for try in 1 2 3 4 5; do
    port=$(free_port "$port")
    if cluster_start "$dir" "$port" 2>/dev/null; then
      cluster_port=$port
      return 0
    fi
    port=$((port + 1))
  done
  cluster_start "$dir" "$port"
}

# A free TCP port on 127.0.0.1, starting at $1.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}
