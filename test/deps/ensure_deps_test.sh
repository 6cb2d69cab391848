#!/usr/bin/env bash
# Unit test of src/scripts/ensure-deps.sh against fake machines: a PATH that
# holds only stand-ins for pkg-config, pg_config, id and apt-get, whose
# answers come from files in a scratch folder (the fake package database).
# A machine of CI's kind already has every package, so only this can show
# that a fresh machine gets exactly the packages it lacks.
# Prints "ensure-deps: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script="$top/src/scripts/ensure-deps.sh"
bash=$(command -v bash)
work=$(mktemp -d --suffix=.ensure-deps)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {   # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
  fi
}

# fake_command NAME BODY: a command in the fake machine's bin.
fake_command() {
  printf '#!%s\n%s\n' "$bash" "$2" >"$machine/bin/$1"
  chmod +x "$machine/bin/$1"
}

# machine: a fresh fake machine with every package installed; the "uninstall"
# helpers below take parts away.  $machine/db holds what is installed.
new_machine() {
  machine=$(mktemp -d -p "$work")
  mkdir -p "$machine/bin" "$machine/db" "$machine/server/include" "$machine/pg15"
  for c in make gcc node npm pgbouncer; do fake_command "$c" 'exit 0'; done
  fake_command pkg-config "[[ \$1 == --exists ]] || exit 2
while read -r m; do [[ \$m == \"\$2\" ]] && exit 0; done <'$machine/db/pc'
exit 1"
  fake_command pg_config "[[ \$1 == --includedir-server ]] && echo '$machine/server/include'"
  fake_command id "echo \${FAKE_UID:-1000}"
  printf '%s\n' json-c libpcre2-16 icu-uc libmicrohttpd libpq zlib >"$machine/db/pc"
  printf '%s\n' scipy statsmodels >"$machine/db/py"
  fake_command python3 "[[ \$1 == -c ]] || exit 2
while read -r m; do [[ \"import \$m\" == \"\$2\" ]] && exit 0; done <'$machine/db/py'
exit 1"
  touch "$machine/server/include/postgres.h"
  fake_command postgres 'exit 0' && mv "$machine/bin/postgres" "$machine/pg15/postgres"
}
no_pc() { sed -i "/^$1\$/d" "$machine/db/pc"; }

run() {     # run ARGS...: the script on the fake machine; stdout+stderr, then rc
  local out rc
  out=$(PATH="$machine/bin" CONVERT_PG15_BINDIR="$machine/pg15" CONVERT_PYTHON="$machine/bin/python3" \
        "$bash" "$script" "$@" 2>&1)
  rc=$?
  printf '%s|rc=%s' "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')" "$rc"
}

new_machine
check "a complete machine lacks nothing" "|rc=0" "$(run --check)"

# The fresh machine of the report: the server's runtime package (which ships
# pgxs.mk) but not its headers, and three libraries without their headers.
new_machine
rm "$machine/server/include/postgres.h"
no_pc json-c; no_pc libpcre2-16; no_pc libmicrohttpd
check "server runtime without headers, three -dev packages missing" \
  "postgresql-server-dev-15 libjson-c-dev libpcre2-dev libmicrohttpd-dev|rc=1" "$(run --check)"
check "the extension alone needs the headers, not the proxy's" \
  "postgresql-server-dev-15 libjson-c-dev libpcre2-dev|rc=1" "$(CONVERT_DEPS=extension run --check)"

new_machine
rm "$machine/bin/pkg-config"
check "without pkg-config no module can be found" \
  "pkg-config libjson-c-dev libpcre2-dev libicu-dev libmicrohttpd-dev libpq-dev zlib1g-dev|rc=1" "$(run --check)"

new_machine
rm "$machine/bin/pg_config" "$machine/pg15/postgres" "$machine/bin/node"
check "no PostgreSQL at all, no node" "postgresql-server-dev-15 postgresql-15 nodejs|rc=1" "$(run --check)"

new_machine
sed -i '/^statsmodels$/d' "$machine/db/py"
check "a python module missing" "python3-statsmodels|rc=1" "$(run --check)"

new_machine
no_pc zlib
check "as a user: the exact apt-get command, and failure" \
  "ensure-deps: missing Debian packages: zlib1g-dev ensure-deps: run: sudo apt-get install -y zlib1g-dev|rc=1" "$(run)"

new_machine
no_pc zlib
fake_command apt-get "echo called >>'$machine/apt.log'"
check "as root with --no-install (plain make): the command, no apt-get" \
  "ensure-deps: missing Debian packages: zlib1g-dev ensure-deps: run: sudo apt-get install -y zlib1g-dev|rc=1|apt-get not run" \
  "$(FAKE_UID=0 run --no-install)|$([[ -f "$machine/apt.log" ]] && echo apt-get run || echo apt-get not run)"

# As root: apt-get is called with exactly the missing packages, then the
# script looks again.  This apt-get "installs" by adding the modules.
new_machine
no_pc libpq; no_pc icu-uc
fake_command apt-get "echo \"\$@\" >>'$machine/apt.log'; [[ \$1 == install ]] && printf '%s\n' libpq icu-uc >>'$machine/db/pc'; exit 0"
check "as root: installs what is missing" "ensure-deps: installing libicu-dev libpq-dev|rc=0" "$(FAKE_UID=0 run)"
check "apt-get was asked for exactly those" "update -qq|install -y -qq --no-install-recommends libicu-dev libpq-dev" \
  "$(tr '\n' '|' <"$machine/apt.log" | sed 's/|$//')"
check "nothing more to do afterwards" "|rc=0" "$(FAKE_UID=0 run)"

# An apt-get that succeeds without providing the files is caught.
new_machine
no_pc libmicrohttpd
fake_command apt-get 'exit 0'
check "as root: a package that did not provide its files fails" \
  "ensure-deps: installing libmicrohttpd-dev ensure-deps: still missing after apt-get: libmicrohttpd-dev|rc=1" "$(FAKE_UID=0 run)"

echo "ensure-deps: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
