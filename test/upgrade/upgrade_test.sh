#!/usr/bin/env bash
# Upgrade suite: a database that installed release 0.1.0 and holds real data
# (an imported project, a key with a secret, a debug token, tracked events)
# is brought to the current version with ALTER EXTENSION convert UPDATE.
# Then every object of the extension (describe_extension.sql) must be
# identical to a fresh install's in another database, the data must still be
# served byte for byte, the secret and the token must still work, and new
# tracking must land.  A change to sql/install/ without its upgrade script
# fails here.
#
# Needs libpq's PG* variables for a cluster whose installation has the
# extension (test/run-tests.sh provides one).  Prints
# "upgrade: N passed, N failed".
set -uo pipefail
old=convert_upgrade_old
new=convert_upgrade_new
live_databases="$old $new"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../live/live_lib.sh
source "$here/../live/live_lib.sh"

first_release=0.1.0
current=$(sed -nE "s/^default_version = '(.*)'/\1/p" "$top/convert.control")
config_file="$top/test/fixtures/sdk-test-config.json"

batch() {   # batch VISITOR TRANSACTION: a bucketing and two conversions
  printf '{"enrichData": true, "accountId": "10022898", "projectId": "10025986", "source": "upgrade-test",
    "visitors": [{"visitorId": "%s", "segments": {"country": "NL"}, "events": [
      {"eventType": "bucketing", "data": {"experienceId": "100218245", "variationId": "100299457"}},
      {"eventType": "conversion", "data": {"goalId": "100215960"}},
      {"eventType": "conversion", "data": {"goalId": "100215960", "goalData": [
        {"key": "amount", "value": 12.5}, {"key": "transactionId", "value": "%s"}]}}]}]}' "$1" "$2"
}

served() {  # served DB: what the SDK key, the account route and the debug token serve
  q "$1" -v token="$token" <<'SQL'
SELECT convert.project_config_by_sdk_key('upgrade-key', NULL, 'Bearer upgrade-secret');
SELECT convert.project_config(10022898, 10025986, 'staging');
SELECT convert.project_config(10022898, 10025986, NULL, :'token');
SELECT convert.project_config_basic(10022898, 10025986);
SQL
}

# tracked DB [SUFFIX]: every tracking row, with its segments; since 0.2.0
# they are read through the views with SUFFIX _with_segments, whose rows
# have 0.1.0's columns
tracked() {
  q "$1" -c "SELECT count(*), md5(string_agg(e::text, '|' ORDER BY e::text)) FROM convert.events${2:-} e" \
         -c "SELECT count(*), md5(string_agg(b::text, '|' ORDER BY b::text)) FROM convert.visitor_bucketing${2:-} b"
}

# sqlstate DB SQL: the SQLSTATE the statement fails with (empty if it works)
sqlstate() {
  q "$1" -v VERBOSITY=verbose -c "$2" 2>&1 >/dev/null | sed -nE 's/^ERROR: +([0-9A-Z]{5}):.*/\1/p' | head -n 1
}

"$bin/createdb" "$old" && "$bin/createdb" "$new" || exit 1

# 1. Release 0.1.0 with data in it.
q "$old" -c "CREATE EXTENSION convert VERSION '$first_release'"
check "install $first_release" $?
q "$old" -v cfg="$(cat "$config_file")" <<<"SELECT convert.import_project(:'cfg'::json)" >/dev/null
check "import a project into $first_release" $?
q "$old" -c "SELECT convert.create_sdk_key(10025986, 'upgrade-secret', 'upgrade-key')" >/dev/null
check "a key with a secret" $?
token=$(q "$old" -c "SELECT convert.generate_debug_token(10025986)")
check "a debug token" $?
for v in 1 2 3; do
  stored=$(q "$old" -c "SELECT convert.track('upgrade-key'::text, '$(batch "visitor-$v" "order-$v")', 'Bearer upgrade-secret') ->> 'stored'")
  check "batch $v tracked in $first_release" "$([[ $stored == 3 ]]; echo $?)" "stored '$stored'"
done
served "$old" >"$work/served-before.txt"
tracked "$old" >"$work/tracked-before.txt"

# 2. The upgrade.
q "$old" -c "ALTER EXTENSION convert UPDATE"
check "ALTER EXTENSION convert UPDATE" $?
version=$(q "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'convert'")
check "upgraded to $current" "$([[ $version == "$current" ]]; echo $?)" "extversion '$version'"

# 3. The same objects as a fresh install.
q "$new" -c "CREATE EXTENSION convert"
check "fresh install of $current" $?
q "$old" -f "$here/describe_extension.sql" >"$work/upgraded.txt"
q "$new" -f "$here/describe_extension.sql" >"$work/fresh.txt"
check "the description is not empty" "$([[ $(wc -l <"$work/fresh.txt") -gt 500 ]]; echo $?)"
if ! diff -u "$work/fresh.txt" "$work/upgraded.txt" >"$work/objects.diff"; then
  echo "objects that differ (- fresh install, + upgraded):"
  head -n 120 "$work/objects.diff"
  false
fi
check "every object of the upgraded extension equals a fresh install's" $?

# 4. The data, served and tracked after the upgrade.
served "$old" >"$work/served-after.txt"
cmp -s "$work/served-before.txt" "$work/served-after.txt"
check "configs, the secret and the debug token serve the same bytes" $? \
  "$(diff "$work/served-before.txt" "$work/served-after.txt" | head -c 300)"
tracked "$old" _with_segments >"$work/tracked-after.txt"
cmp -s "$work/tracked-before.txt" "$work/tracked-after.txt"
check "tracked rows unchanged" $? "$(diff "$work/tracked-before.txt" "$work/tracked-after.txt" | head -c 300)"
state=$(sqlstate "$old" "SELECT convert.project_config_by_sdk_key('upgrade-key', NULL, 'Bearer wrong')")
check "a wrong secret is still refused" "$([[ $state == PT401 ]]; echo $?)" "got '$state'"
stored=$(q "$old" -c "SELECT convert.track('upgrade-key'::text, '$(batch visitor-1 order-1)', 'Bearer upgrade-secret') ->> 'stored'")
check "a batch tracked before is still a duplicate" "$([[ $stored == 0 ]]; echo $?)" "stored '$stored'"
stored=$(q "$old" -c "SELECT convert.track('upgrade-key'::text, '$(batch visitor-4 order-4)', 'Bearer upgrade-secret') ->> 'stored'")
check "new tracking lands" "$([[ $stored == 3 ]]; echo $?)" "stored '$stored'"
identity=$(q "$old" -c "SELECT count(*) FILTER (WHERE c.relreplident = 'f') || ' of ' || count(*)
                        FROM pg_inherits AS h JOIN pg_class AS c ON c.oid = h.inhrelid
                        WHERE h.inhparent = 'convert.events'::regclass")
read -r whole _ all <<<"$identity"
check "the partitions 0.1.0 created identify rows whole, as new ones" \
  "$([[ $whole == "$all" && $all -gt 0 ]]; echo $?)" "$identity"

# 5. DROP EXTENSION leaves nothing but the cluster-wide roles and the empty
# schema convert, also after tracking created partitions and an upgrade.
# (PostgreSQL creates that schema for the extension from convert.control and
# cannot let the extension own the schema it lives in.)
leftovers() {  # leftovers DB: objects in the extension's schemas, or convert_rest
  q "$1" -c "SELECT n.nspname FROM pg_namespace n WHERE n.nspname IN ('convert_rest', 'convert_internal')
             UNION ALL
             SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('convert', 'convert_internal', 'convert_rest')
             UNION ALL
             SELECT t.oid::regtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname IN ('convert', 'convert_internal', 'convert_rest')"
}
for db in "$old" "$new"; do
  q "$db" -c "DROP EXTENSION convert" 2>"$work/drop.err"
  check "DROP EXTENSION in $db" $? "$(head -c 300 "$work/drop.err")"
  left=$(leftovers "$db" | head -n 5 | tr '\n' ' ')
  check "nothing left in $db after DROP EXTENSION" "$([[ -z $left ]]; echo $?)" "left: $left"
  q "$db" -c "DROP SCHEMA convert"
  check "the schema convert is empty and can be dropped" $?
done

echo "upgrade: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
