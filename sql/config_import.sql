-- convert.import_project: the SDK's test fixture (an SDK options document whose
-- `data` member is the config), re-imports, and every kind of bad document.
-- Account 10022898 / project 10025986 (the fixture's), account 7300.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never

\getenv abs_srcdir PG_ABS_SRCDIR
\set fixture_file :abs_srcdir '/test/fixtures/sdk-test-config.json'
\set fixture `cat :'fixture_file'`
\set fixture_v1_file :abs_srcdir '/test/fixtures/sdk-test-config-v1.json'
\set fixture_v1 `cat :'fixture_v1_file'`
CREATE TEMP TABLE fixture AS SELECT (:'fixture'::jsonb) -> 'data' AS doc;

SELECT convert.import_project(:'fixture') AS project_id;
SELECT (SELECT count(*) FROM convert.experiences WHERE project_id = 10025986) AS experiences,
       (SELECT count(*) FROM convert.variations WHERE project_id = 10025986) AS variations,
       (SELECT count(*) FROM convert.variation_changes WHERE project_id = 10025986) AS changes,
       (SELECT count(*) FROM convert.goals WHERE project_id = 10025986) AS goals,
       (SELECT count(*) FROM convert.audiences WHERE project_id = 10025986) AS audiences,
       (SELECT count(*) FROM convert.segments WHERE project_id = 10025986) AS segments,
       (SELECT count(*) FROM convert.features WHERE project_id = 10025986) AS features,
       (SELECT count(*) FROM convert.feature_variables WHERE project_id = 10025986) AS variables,
       (SELECT count(*) FROM convert.project_environments WHERE project_id = 10025986) AS environments;

-- Lists that come back exactly as imported
CREATE TEMP TABLE served AS SELECT convert.project_config(10022898, 10025986)::jsonb AS doc;
SELECT k AS list, (SELECT doc -> k FROM fixture) = (SELECT doc -> k FROM served) AS same
FROM unnest(ARRAY['account_id', 'audiences', 'segments', 'features']) AS k;
-- Experiences: the same, except that an absent list is served as [] and
-- changes[].id as a number (as the Serving API does)
CREATE FUNCTION pg_temp.as_fixture(variations jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT coalesce(jsonb_agg(CASE WHEN v -> 'changes' = '[]' THEN v - 'changes'
                                   ELSE jsonb_set(v, '{changes}', (
                                       SELECT jsonb_agg(jsonb_set(c, '{id}', to_jsonb(c ->> 'id')) ORDER BY n)
                                       FROM jsonb_array_elements(v -> 'changes') WITH ORDINALITY AS ch(c, n)))
                              END ORDER BY o), '[]')
    FROM jsonb_array_elements(variations) WITH ORDINALITY AS t(v, o)
$$;
SELECT x.n - 1 AS experience, s.doc -> 'experiences' -> (x.n::int - 1) -> 'locations' AS locations,
       ((s.doc -> 'experiences' -> (x.n::int - 1)) - 'locations')
       || jsonb_build_object('variations',
                             pg_temp.as_fixture(s.doc -> 'experiences' -> (x.n::int - 1) -> 'variations'))
       = x.v AS same_otherwise
FROM fixture f, served s, jsonb_array_elements(f.doc -> 'experiences') WITH ORDINALITY AS x(v, n);
SELECT doc #> '{experiences,0,variations,0,changes,0}' AS served_change FROM served;
-- Goals: the same, except that absent rules are served as null
SELECT g.ordinality - 1 AS goal, g.value = s.doc -> 'goals' -> (g.ordinality::int - 1) AS same,
       s.doc -> 'goals' -> (g.ordinality::int - 1) AS served
FROM fixture f, served s, jsonb_array_elements(f.doc -> 'goals') WITH ORDINALITY AS g(value, ordinality)
WHERE g.value <> s.doc -> 'goals' -> (g.ordinality::int - 1);
-- The project: environments in the current {label, is_default} form
SELECT (SELECT doc -> 'project' FROM fixture) AS imported, (SELECT doc -> 'project' FROM served) AS served;
SELECT doc -> 'archived_experiences' AS archived, doc -> 'is_debug' AS is_debug,
       doc -> 'experiences' -> 2 -> 'variations' AS variations_without_id
FROM served;

-- Importing the same document again changes nothing (the cached rendering keeps its etag)
SELECT etag AS etag_before FROM convert.config_cache WHERE project_id = 10025986 AND environment = '' AND NOT debug \gset
SELECT convert.import_project(:'fixture') AS project_id;
SELECT etag = :'etag_before' AS etag_kept
FROM convert.config_cache WHERE project_id = 10025986 AND environment = '' AND NOT debug;
-- The older fixture (no experience settings) replaces it; the config member alone works too
SELECT convert.import_project(((:'fixture_v1')::json) -> 'data') AS project_id;
SELECT x ->> 'key' AS experience, x -> 'settings' AS settings
FROM jsonb_array_elements(convert.project_config(10022898, 10025986)::jsonb -> 'experiences') x;

-- A changed document: experiences and entities it no longer lists go,
-- variations keep their rows (upserted by id), order follows the document
SELECT convert.import_project(jsonb_set(jsonb_set(jsonb_set(doc,
           '{experiences}', jsonb_build_array(doc #> '{experiences,1}', doc #> '{experiences,0}')),
           '{experiences,0,variations}', jsonb_build_array(doc #> '{experiences,1,variations,1}',
                                                           doc #> '{experiences,1,variations,0}')),
           '{features}', (doc -> 'features') - 2)::json) AS project_id
FROM fixture;
SELECT x ->> 'key' AS experience,
       (SELECT string_agg(v ->> 'id', ' ') FROM jsonb_array_elements(x -> 'variations') v) AS variations
FROM jsonb_array_elements(convert.project_config(10022898, 10025986)::jsonb -> 'experiences') x;
SELECT f ->> 'key' AS feature
FROM jsonb_array_elements(convert.project_config(10022898, 10025986)::jsonb -> 'features') f;
SELECT experience_id, position, id FROM convert.variations WHERE project_id = 10025986 ORDER BY 1, 2;

-- Keys, tokens and local settings survive a re-import
SELECT convert.create_sdk_key(10025986, NULL, 'fixture-key', 'staging');
UPDATE convert.projects SET disable_default_config = true WHERE id = 10025986;
SELECT convert.import_project(:'fixture') AS project_id;
SELECT disable_default_config FROM convert.projects WHERE id = 10025986;
SELECT json_array_length(convert.project_config_by_sdk_key('fixture-key') -> 'experiences') AS experiences;
-- ...and an environment still bound to a key cannot disappear
SELECT regress.try(format('SELECT convert.import_project(%L)',
                          jsonb_set(doc, '{project,environments}', '{"live": "Live"}')))
FROM fixture;

-- Bad documents: SQLSTATE PT400, with the JSON path
SELECT regress.try($$SELECT convert.import_project('[]')$$);
SELECT regress.try($$SELECT convert.import_project('{}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300"}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "x1"}}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": 7300.5, "project": {"id": "7301"}}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "10025986"}}')$$);
SELECT regress.try($$SELECT convert.import_project('{"error": {"code": 404, "message": "not found"}}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": {"id": "1"}}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "key": "a"}, {"id": 2.5, "key": "b"}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "key": "a"}, "b"]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "goals": [{"id": "5", "key": "a"}, {"id": "5", "key": "b"}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "goals": [{"id": "5", "key": "a"}, {"id": "6", "key": "a"}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "goals": [{"id": "5"}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "status": "running"}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "name": 42}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "audiences": ["77"]}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "goals": [{"id": "6", "key": "g"}], "experiences": [{"id": "1", "goals": ["6", "8"]}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "variations": [{"id": "11", "traffic_allocation": "half"}]}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "variations": [{"id": "11", "traffic_allocation": 150}]}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "variations": [{"id": "11", "changes": [
        {"id": 1, "type": "fullStackFeature", "data": {"feature_id": "404"}}]}]}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "variations": [{"changes": [{"id": 1, "type": "defaultCode"}]}]}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "audiences": [{"id": "2", "key": "a", "rules": {"OR": [{"AND": [{"OR_WHEN": [
        {"rule_type": "url", "value": "x", "matching": {"match_type": "equalz", "negated": false}}]}]}]}}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301"},
    "experiences": [{"id": "1", "site_area": "everywhere"}]}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301",
    "environments": {"live": {"label": "Live", "is_default": "yes"}}}}')$$);
SELECT regress.try($$SELECT convert.import_project('{"account_id": "7300", "project": {"id": "7301",
    "utc_offset": "UTC"}}')$$);
-- Nothing of a refused document stays behind
SELECT count(*) AS projects FROM convert.projects WHERE account_id = 7300;

DELETE FROM convert.accounts WHERE id IN (10022898, 7300);
