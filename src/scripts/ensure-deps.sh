#!/usr/bin/env bash
# Make sure every Debian package that building and testing convert needs is
# there, by looking for what each package provides (a header, a pkg-config
# module, a command), not by asking dpkg: a machine can have a package's
# runtime half or a sibling package that ships some of the same files (the
# server package ships pgxs.mk without the server headers).
#
#   ensure-deps.sh           install what is missing (apt-get as root;
#                            otherwise print the exact command and fail)
#   ensure-deps.sh --check   only print the missing packages, one a line;
#                            exit 1 when any is missing
#   ensure-deps.sh --no-install
#                            as a user would see it: print the exact
#                            apt-get command and fail, even as root (plain
#                            `make` uses this: it never installs anything)
#
# Set CONVERT_DEPS=extension to need only what `make && make install` needs.
#
# The look-ups go through pg_config, pkg-config and command -v as found on
# PATH (and CONVERT_PG15_BINDIR for the server), so test/deps/ensure_deps_test.sh
# can run this against a fake machine.
set -euo pipefail

# One requirement a line: package, then how to tell it is there
#   cmd:NAME       a command on PATH
#   pc:MODULE      a pkg-config module
#   pgserver:FILE  a file under pg_config --includedir-server
#   pgbin:FILE     a program in the PostgreSQL 15 bin directory
#   py:MODULE      a module Debian's python3 imports ($CONVERT_PYTHON, by
#                  default /usr/bin/python3: Debian's python3-* packages
#                  install for it, not for a python3 found first on PATH)
# and the scope that needs it (extension: `make`; all: tests, demo, proxy).
requirements=(
  "make                     cmd:make                 extension"
  "gcc                      cmd:gcc                  extension"
  "pkg-config               cmd:pkg-config           extension"
  "postgresql-server-dev-15 pgserver:postgres.h      extension"
  "libjson-c-dev            pc:json-c                extension"
  "libpcre2-dev             pc:libpcre2-16           extension"
  "libicu-dev               pc:icu-uc                extension"
  "postgresql-15            pgbin:postgres           all"
  "libmicrohttpd-dev        pc:libmicrohttpd         all"
  "libpq-dev                pc:libpq                 all"
  "zlib1g-dev               pc:zlib                  all"
  "nodejs                   cmd:node                 all"
  "npm                      cmd:npm                  all"
  "python3-scipy            py:scipy                 all"
  "python3-statsmodels      py:statsmodels           all"
  "pgbouncer                cmd:pgbouncer            all"
)

scope=${CONVERT_DEPS:-all}
python=${CONVERT_PYTHON:-/usr/bin/python3}

pg15_bindir=${CONVERT_PG15_BINDIR:-/usr/lib/postgresql/15/bin}

# present CHECK: is what CHECK names there?
present() {
  local kind=${1%%:*} what=${1#*:} dir
  case "$kind" in
    cmd) command -v "$what" >/dev/null 2>&1 ;;
    pc) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$what" 2>/dev/null ;;
    pgserver)
      dir=$(pg_config --includedir-server 2>/dev/null) || return 1
      [[ -n "$dir" && -f "$dir/$what" ]] ;;
    pgbin) [[ -x "$pg15_bindir/$what" ]] ;;
    py) [[ -x "$python" ]] && "$python" -c "import $what" >/dev/null 2>&1 ;;
    *) echo "ensure-deps: unknown check '$1'" >&2; return 2 ;;
  esac
}

# find_missing: set $missing to the packages whose check fails.
find_missing() {
  local line package check needed_by
  missing=()
  for line in "${requirements[@]}"; do
    read -r package check needed_by <<<"$line"
    [[ "$scope" == all || "$needed_by" == extension ]] || continue
    present "$check" || missing+=("$package")
  done
}

find_missing
if [[ "${1:-}" == --check ]]; then
  [[ ${#missing[@]} -eq 0 ]] || printf '%s\n' "${missing[@]}"
  [[ ${#missing[@]} -eq 0 ]]
  exit
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 && "${1:-}" != --no-install ]]; then
  echo "ensure-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  find_missing
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "ensure-deps: still missing after apt-get: ${missing[*]}" >&2
    exit 1
  fi
else
  echo "ensure-deps: missing Debian packages: ${missing[*]}" >&2
  echo "ensure-deps: run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
