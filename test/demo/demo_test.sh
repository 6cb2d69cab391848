#!/usr/bin/env bash
# Runs the README's main command (make demo) in one-shot mode in a scratch
# directory and checks what it shows a user.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=$(mktemp -d -p /tmp --suffix=.convert-demo-test)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT

out="$dir/demo.out"
CONVERT_DEMO_ONESHOT=1 CONVERT_DEMO_DIR="$dir/demo" CONVERT_DEMO_PORT=57440 \
  CONVERT_DEMO_PROXY_PORT=57480 \
  make -s -C "$top" demo >"$out" 2>&1
rc=$?

passed=0 failed=0
expect() {   # expect DESCRIPTION PATTERN: the demo output matches PATTERN
  if grep -qE "$2" "$out"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "demo: missing $1 (pattern: $2)"
  fi
}

if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); cat "$out"; fi
expect "connection string" 'psql "host=127\.0\.0\.1 port=[0-9]+ user=postgres dbname=convert_demo"'
expect "first variation count" '^ 1003180877 +\| +4953$'
expect "second variation count" '^ 1003180878 +\| +5047$'
expect "bucket value of visitor-1" '^ visitor-1 +\| +3262$'
expect "bucket value of a CJK visitor" '^ 日本語ユーザー \| +4084$'
expect "SDK key" '^  sdkKey: +demo-key$'
expect "SDK key secret" '^  sdkKeySecret: +[0-9a-f]{32}$'
expect "config endpoint" "config: 'http://127\.0\.0\.1:[0-9]+/api/v1/'"
expect "track endpoint" "track: +'http://127\.0\.0\.1:[0-9]+/v1/'"
expect "a decision computed in SQL" '"bucketingAllocation": 6514'
expect "the config served through the proxy" '^HTTP/1\.[01] 200 OK'
expect "the demo project's goals in the served config" '"key": "increase-engagement"'
expect "one-shot end" '^demo: done'

# As root, a checkout the postgres user cannot reach (a clone in /root):
# the demo moves its files under $TMPDIR and says so.
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p "$dir/private" "$dir/tmp" && chmod 700 "$dir/private" && chmod 755 "$dir/tmp"
  out="$dir/demo-private.out"
  CONVERT_DEMO_ONESHOT=1 CONVERT_DEMO_DIR="$dir/private/demo" TMPDIR="$dir/tmp" \
    CONVERT_DEMO_PORT=57440 CONVERT_DEMO_PROXY_PORT=57480 \
    make -s -C "$top" demo >"$out" 2>&1
  rc=$?
  if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); tail -n 20 "$out"; fi
  expect "the note on a private checkout" "^note: the postgres user cannot reach .*; the demo's files are in $dir/tmp/convert-demo\$"
  expect "one-shot end from a private checkout" '^demo: done'
fi
echo "demo: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
