#!/usr/bin/env bash
# Live suite: the project model survives pg_dump / pg_restore.
#
# Imports the SDK fixture and generated projects (with sdk keys, a secret, a
# debug token, local settings) into a fresh database, dumps it, restores it
# into another, and compares every rendered config (cached and freshly
# rendered) and the API's answers.  Also checks NOTIFY convert_config.
# Needs libpq's PG* variables for a cluster where the extension is installed
# (test/run-tests.sh provides one).  Prints "config dump: N passed, N failed".
set -uo pipefail
src=convert_dump_src
dst=convert_dump_dst
live_databases="$src $dst"
# shellcheck source=live_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/live_lib.sh"

# Every rendering a client can get, with a digest of each.
snapshot() {
  q "$1" -c "SELECT c.project_id, c.environment, c.debug, c.etag, md5(c.config::text),
                    md5(convert_internal.render_config(c.project_id, nullif(c.environment, ''), c.debug)::text)
             FROM convert.config_cache c ORDER BY 1, 2, 3" \
         -c "SELECT p.id, md5(convert.project_config(p.account_id, p.id)::text),
                    md5(convert.project_config_basic(p.account_id, p.id)::text)
             FROM convert.projects p WHERE NOT p.disable_default_config ORDER BY 1"
}

"$bin/dropdb" --if-exists "$src" 2>/dev/null && "$bin/createdb" "$src" && q "$src" -c 'CREATE EXTENSION convert' ||
  { echo "config dump: 0 passed, 1 failed"; exit 1; }

# The fixture and generated projects, written as one JSON document per line.
node --input-type=module -e "
  import { generateConfig } from '$top/test/compat/lib/config_generate.mjs';
  import { rng } from '$top/test/compat/lib/random.mjs';
  import { readFileSync } from 'node:fs';
  console.log(JSON.stringify(JSON.parse(readFileSync('$top/test/fixtures/sdk-test-config.json', 'utf8'))));
  const r = rng(424242);
  for (let i = 0; i < 12; i++) console.log(JSON.stringify(generateConfig(r, i % 3 === 0)));
" >"$work/documents.jsonl"
while IFS= read -r doc; do
  q "$src" -v doc="$doc" <<<"SELECT convert.import_project(:'doc');" >/dev/null || check "import" 1
done <"$work/documents.jsonl"
q "$src" -c "SELECT convert.create_sdk_key(10025986, 's3cr3t', 'dump-secret-key', 'staging')" \
         -c "UPDATE convert.projects SET disable_default_config = true WHERE id = 10025986" >/dev/null
token=$(q "$src" -c "SELECT convert.generate_debug_token(10025986)")
snapshot "$src" >"$work/before.txt"
check "renderings recorded" $(( $(wc -l <"$work/before.txt") > 50 ? 0 : 1 )) "$(wc -l <"$work/before.txt") lines"

"$bin/pg_dump" -Fc -d "$src" -f "$work/dump" && "$bin/dropdb" --if-exists "$dst" 2>/dev/null &&
  "$bin/createdb" "$dst" && "$bin/pg_restore" --exit-on-error -d "$dst" "$work/dump"
check "pg_dump and pg_restore" $?

snapshot "$dst" >"$work/after.txt"
diff "$work/before.txt" "$work/after.txt" >"$work/diff.txt"
check "identical renderings after restore" $? "$(head -5 "$work/diff.txt")"
for t in projects experiences variations variation_changes goals audiences segments locations \
         features feature_variables sdk_keys debug_tokens archived_experiences project_environments; do
  a=$(q "$src" -c "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM convert.$t t")
  b=$(q "$dst" -c "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM convert.$t t")
  [[ "$a" == "$b" ]]
  check "table $t restored" $? "$a vs $b"
done

# Secrets, tokens and local settings work in the restored database.
served=$(q "$dst" -c "SELECT json_array_length(convert.project_config_by_sdk_key('dump-secret-key', NULL,
                                                'Bearer s3cr3t', '$token') -> 'experiences')")
check "secret and debug token after restore" $(( served == 3 ? 0 : 1 )) "$served experiences"
q "$dst" -c "SELECT convert.project_config_by_sdk_key('dump-secret-key', NULL, 'Bearer nope')" 2>"$work/err.txt"
grep -q 'wrong sdk key secret' "$work/err.txt"
check "wrong secret refused after restore" $?
q "$dst" -c "SELECT convert.project_config(10022898, 10025986)" 2>"$work/err.txt"
grep -q 'served only through sdk keys' "$work/err.txt"
check "disable_default_config kept" $?

# A committed change notifies listeners with the project id, once.
out=$(q "$dst" -c "LISTEN convert_config" \
  -c "UPDATE convert.experiences SET name = 'renamed' WHERE project_id = 10025986" \
  -c "SELECT 1" 2>&1)
[[ $(grep -c 'notification "convert_config" with payload "10025986"' <<<"$out") -eq 1 ]]
check "NOTIFY convert_config on change" $? "$out"
out=$(q "$dst" -c "LISTEN convert_config" -c "UPDATE convert.goals SET name = name" -c "SELECT 1" 2>&1)
! grep -q 'notification' <<<"$out"
check "no NOTIFY when the rendering is unchanged" $? "$out"

# Two writers of one project: the later commit renders both changes.
q "$dst" -c "BEGIN" -c "UPDATE convert.experiences SET name = 'first' WHERE id = 100218245" \
  -c "SELECT pg_sleep(1)" -c "COMMIT" >/dev/null &
sleep 0.3
q "$dst" -c "UPDATE convert.experiences SET name = 'second' WHERE id = 100218246" >/dev/null
wait
names=$(q "$dst" -c "SELECT string_agg(x ->> 'name', ',' ORDER BY x ->> 'id')
                     FROM convert.config_cache c, json_array_elements(c.config -> 'experiences') x
                     WHERE c.project_id = 10025986 AND c.environment = '' AND NOT c.debug")
[[ "$names" == "first,second,renamed" ]]
check "concurrent writers both in the cache" $? "$names"

echo "config dump: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
