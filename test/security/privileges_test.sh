#!/usr/bin/env bash
# Privileges suite: what PUBLIC and each role of the extension can use in a
# fresh install (privileges.sql) must be exactly the list in
# docs/security.md (the ```privileges block), line for line.  Then the
# roles are used for real: an analyst reads results and buckets visitors but
# cannot read key secrets or write; an API role cannot reach helpers.
# Needs libpq's PG* variables for a cluster with the extension installable
# (test/run-tests.sh provides one).  Prints "privileges: N passed, N failed".
set -uo pipefail
db=convert_privileges
live_databases=$db
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../live/live_lib.sh
source "$here/../live/live_lib.sh"

"$bin/createdb" "$db" || exit 1
q "$db" -c "CREATE EXTENSION convert"
check "install" $?

q "$db" -f "$here/privileges.sql" | grep -v '^SET$' >"$work/granted.txt"
sed -n '/^```privileges$/,/^```$/p' "$top/docs/security.md" | sed '1d;$d' >"$work/documented.txt"
check "the documented list is not empty" "$([[ $(wc -l <"$work/documented.txt") -gt 20 ]]; echo $?)"
if ! diff -u "$work/documented.txt" "$work/granted.txt" >"$work/privileges.diff"; then
  echo "privileges that differ (- docs/security.md, + granted):"
  head -n 60 "$work/privileges.diff"
  false
fi
check "every role can use exactly what docs/security.md lists" $?
public=$(grep -c '^public ' "$work/granted.txt")
check "PUBLIC can use nothing" "$([[ $public -eq 0 ]]; echo $?)" "$public privileges"

# The roles in use, each from a login role of its own.
q "$db" -c "CREATE ROLE privileges_alice LOGIN; GRANT convert_analyst TO privileges_alice;
            CREATE ROLE privileges_proxy LOGIN; GRANT convert_api TO privileges_proxy;" || exit 1
trap 'q "$db" -c "DROP OWNED BY privileges_alice, privileges_proxy" >/dev/null 2>&1;
      psql -qX -d postgres -c "DROP ROLE IF EXISTS privileges_alice, privileges_proxy" >/dev/null 2>&1;
      live_cleanup' EXIT
q "$db" -c "SELECT convert.import_project('{\"account_id\": \"61\", \"project\": {\"id\": \"62\"},
  \"experiences\": [{\"id\": \"63\", \"key\": \"e\", \"status\": \"active\",
                     \"variations\": [{\"id\": \"64\"}, {\"id\": \"65\"}]}],
  \"goals\": [{\"id\": \"66\", \"key\": \"g\"}]}')" >/dev/null
q "$db" -c "SELECT convert.create_sdk_key(62, 'sekret', 'privileges-key')" >/dev/null

as() {      # as ROLE SQL: run as a login role; prints the result or the SQLSTATE
  psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -U "$1" -d "$db" -c "$2" 2>&1 |
    sed -E 's/^ERROR: +([0-9A-Z]{5}):.*/\1/' | head -n 1
}
expect() {  # expect NAME EXPECTED ROLE SQL
  local got
  got=$(as "$3" "$4")
  check "$1" "$([[ "$got" == "$2" ]]; echo $?)" "expected '$2', got '$got'"
}

q "$db" -c "SELECT convert.track('privileges-key'::text, '{\"accountId\": \"61\", \"projectId\": \"62\",
  \"visitors\": [{\"visitorId\": \"v1\", \"events\": [
    {\"eventType\": \"bucketing\", \"data\": {\"experienceId\": \"63\", \"variationId\": \"64\"}},
    {\"eventType\": \"conversion\", \"data\": {\"goalId\": \"66\"}}]}]}', 'Bearer sekret')" >/dev/null
check "a visitor tracked" $?

bucket=$(q "$db" -c "SELECT convert.bucket_value('visitor-1', '63')")
expect "analyst: buckets a visitor" "$bucket" privileges_alice \
  "SELECT convert.bucket_value('visitor-1', '63')"
expect "analyst: rules from a json cast" t privileges_alice \
  "SELECT convert.rules_match('{\"OR\": [{\"AND\": [{\"OR_WHEN\": [{\"rule_type\": \"generic_text_key_value\", \"key\": \"k\", \"matching\": {\"match_type\": \"matches\", \"negated\": false}, \"value\": \"v\"}]}]}]}'::json::convert.rules, '{\"k\": \"v\"}')"
expect "analyst: results of an experience" 1 privileges_alice \
  "SELECT sum(converting_visitors) FROM convert.experience_results(62, '63') WHERE variation_id = '64'"
expect "analyst: reads the model" 2 privileges_alice "SELECT count(*) FROM convert.variations"
expect "analyst: cannot read key secrets" 42501 privileges_alice "SELECT count(*) FROM convert.sdk_keys"
expect "analyst: cannot import" 42501 privileges_alice "SELECT convert.import_project('{}')"
expect "analyst: cannot write events" 42501 privileges_alice "DELETE FROM convert.events"
expect "api: serves a config" t privileges_proxy \
  "SELECT convert.project_config_by_sdk_key('privileges-key', NULL, 'Bearer sekret') IS NOT NULL"
expect "api: cannot call the helpers" 42501 privileges_proxy \
  "SELECT convert_internal.resolve_sdk_key('privileges-key', 'Bearer sekret', NULL, true)"
expect "api: cannot bucket (not its job)" 42501 privileges_proxy "SELECT convert.murmurhash3('x')"
expect "api: cannot read the model" 42501 privileges_proxy "SELECT count(*) FROM convert.projects"

echo "privileges: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
