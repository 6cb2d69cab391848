#!/usr/bin/env bash
# Runs every test suite of convert and ends with "N passed, N failed".
#
#   deps     src/scripts/ensure-deps.sh against fake machines
#   meta     META.json against the PGXN spec and the repository
#   core     src/core unit tests (no server, ASan + UBSan)
#   regress  pg_regress against a temporary instance
#   live     suites that need a running cluster with the extension
#            (official-SDK compatibility, ...), against a throwaway cluster
#
# Invoked by `make test`.  As root, the server runs as user postgres.
# The extension is installed into a private copy of PostgreSQL (see
# private_install), so no test needs root or touches the system's server.
#
# While developing one area, run a subset:
#   CONVERT_SUITES="core regress compat-rules"   only these suites
#   CONVERT_REGRESS="rules rules_utf8"           only these pg_regress tests
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../src/scripts/pg_cluster.sh
source "$top/src/scripts/pg_cluster.sh"

"$top/src/scripts/ensure-deps.sh" || exit 1

run=$(mktemp -d -p /tmp --suffix=.convert-test)
chmod 755 "$run"
passed=0
failed=0

cleanup() {
  cluster_stop "$run/cluster" 2>/dev/null
  rm -rf "$run"
}
trap cleanup EXIT

# record SUITE LOG RC: add the suite's "N passed, N failed" line to the
# totals; a suite that failed without such a line counts as one failure.
record() {
  local suite=$1 log=$2 rc=$3 line p f
  line=$(grep -E '^([A-Za-z0-9_ -]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  if [[ -n "$line" ]]; then
    p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  else
    p=0; f=0
  fi
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  printf '== %-28s %s passed, %s failed\n' "$suite" "$p" "$f"
}

wanted() {
  [[ -z "${CONVERT_SUITES:-}" || " $CONVERT_SUITES " == *" $1 "* ]]
}

# run_suite NAME CMD...: run, show the output, and record it.
run_suite() {
  local name=$1 log="$run/$1.log" rc
  shift
  wanted "$name" || return 0
  echo "== $name"
  "$@" >"$log" 2>&1
  rc=$?
  cat "$log"
  record "$name" "$log" "$rc"
}

run_regress() {
  local dir="$run/regress" tests pg_regress
  tests=${CONVERT_REGRESS:-$(make -s -C "$top" print-regress)}
  # test_setup creates the extension and the helpers every test relies on.
  [[ " $tests " == *" test_setup "* ]] || tests="test_setup $tests"
  pg_regress="$(dirname "$(pg_bindir)")/lib/pgxs/src/test/regress/pg_regress"
  make_server_dir "$dir"
  cp -r "$top/sql" "$top/expected" "$dir/"
  mkdir -p "$dir/test" && cp -r "$top/test/fixtures" "$dir/test/"
  chmod -R a+rX "$dir"
  as_server_user "$pg_regress" --temp-instance="$dir/tmp_check" \
    --bindir="$(cluster_bindir)" --inputdir="$dir" --outputdir="$dir" \
    --encoding=UTF8 --no-locale $tests 2>&1 | tee "$run/pg_regress.out"
  local rc=${PIPESTATUS[0]}
  if [[ -f "$dir/regression.diffs" ]]; then
    head -n 300 "$dir/regression.diffs"
    # Keep the actual outputs where a developer can diff or adopt them.
    rm -rf "$top/test/.run/results" && mkdir -p "$top/test/.run" &&
      cp -r "$dir/results" "$dir/regression.diffs" "$top/test/.run/"
  fi
  local ok bad
  ok=$(grep -cE '\.\.\. ok' "$run/pg_regress.out")
  bad=$(grep -cE '\.\.\. FAILED|failed \(ignored\)' "$run/pg_regress.out")
  echo "regress: ${ok:-0} passed, ${bad:-0} failed"
  return $rc
}

# A cluster with the extension, for the live suites; exports libpq's PG* vars.
start_live_cluster() {
  local port
  cluster_start_free "$run/cluster" 55432 || return 1
  port=$cluster_port
  export PGHOST="$run/cluster" PGPORT="$port" PGUSER=postgres PGDATABASE=convert_test
  "$(cluster_bindir)/createdb" convert_test &&
    psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION convert' >/dev/null
}

# Node dependencies (the official SDK, pinned) for the compatibility suites.
ensure_node_modules() {
  local dir="$top/test/compat"
  [[ -d "$dir/node_modules/@convertcom/js-sdk" ]] && return 0
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

private_install "$top" "$run/pginstall" || exit 1

run_suite deps "$top/test/deps/ensure_deps_test.sh"
run_suite meta node "$top/test/meta/meta_check.mjs"
run_suite core make -s -C "$top/test/core" run
run_suite regress run_regress
run_suite demo "$top/test/demo/demo_test.sh"
# convert-proxy over HTTP, each with a cluster of its own (they restart it).
run_suite proxy-http "$top/test/proxy/run_http.sh" proxy-http "$top/convert-proxy"
run_suite proxy-sanitize "$top/test/proxy/run_http.sh" proxy-sanitize asan
run_suite proxy-replica "$top/test/proxy/run_replica.sh" proxy-replica "$top/convert-proxy"
run_suite proxy-replica-sanitize "$top/test/proxy/run_replica.sh" proxy-replica-sanitize asan
run_suite proxy-pgbouncer "$top/test/proxy/run_http.sh" proxy-pgbouncer "$top/convert-proxy" pgbouncer

live_suites="compat-bucketing"
live_suites+=" compat-rules"
live_suites+=" config-roundtrip config-dump"
live_suites+=" compat-tracking tracking-dump partition-race"
live_suites+=" compat-decisions"
live_suites+=" proxy-sdk"
live_suites+=" upgrade privileges"
live_suites+=" analysis-reference"
if [[ -n "${CONVERT_SUITES:-}" ]] && ! grep -qwE "${live_suites// /|}" <<<"$CONVERT_SUITES"; then
  :   # no live suite asked for
elif start_live_cluster && ensure_node_modules; then
  # Live suites: each prints "<name>: N passed, N failed" as its last line.
  run_suite compat-bucketing node "$top/test/compat/bucketing_compat.mjs"
  run_suite compat-rules node "$top/test/compat/rules_compat.mjs"
  run_suite config-roundtrip node "$top/test/compat/config_roundtrip.mjs"
  run_suite config-dump "$top/test/live/config_dump_restore.sh"
  run_suite compat-tracking node "$top/test/compat/tracking_compat.mjs"
  run_suite tracking-dump "$top/test/live/tracking_dump_restore.sh"
  run_suite partition-race "$top/test/live/partition_race.sh"
  run_suite compat-decisions node "$top/test/compat/decisions_compat.mjs"
  run_suite proxy-sdk env PROXY_BIN="$top/convert-proxy" node "$top/test/proxy/sdk_e2e.mjs"
  run_suite upgrade "$top/test/upgrade/upgrade_test.sh"
  run_suite privileges "$top/test/security/privileges_test.sh"
  run_suite analysis-reference "$top/test/live/analysis_reference.sh"
else
  echo "live cluster or node modules could not be set up"
  [[ -f "$run/cluster/server.log" ]] && tail -n 50 "$run/cluster/server.log"
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
