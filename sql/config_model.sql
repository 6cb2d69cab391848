-- Project model: rendering of the config document, environment and debug
-- filtering, the rendered-config cache, and the constraints users can hit.
-- Account 7100, project 7101 (after docs/sdk-behaviour.md's example).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'
\set SHOW_CONTEXT never

SELECT convert.import_project($${
  "account_id": "7100",
  "project": {"id": "7101", "type": "fullstack", "utc_offset": 0,
              "environments": {"production": {"label": "Production", "is_default": true}}},
  "experiences": [{
    "id": "3003", "key": "checkout-test", "name": "Checkout test",
    "type": "a/b_fullstack", "status": "active", "version": 11,
    "environment": "production",
    "locations": ["4004"], "site_area": null,
    "audiences": ["5005"], "goals": ["6006"],
    "settings": {"matching_options": {"audiences": "any", "locations": "any"}},
    "variations": [
      {"id": "7001", "key": "original", "name": "Original", "status": "running",
       "traffic_allocation": 50.0,
       "changes": [{"id": 8001, "type": "fullStackFeature",
                    "data": {"feature_id": 9009, "variables_data": {"enabled": false}}}]},
      {"id": "7002", "key": "variation-1", "name": "Variation 1", "status": "running",
       "traffic_allocation": 50.0,
       "changes": [{"id": 8002, "type": "fullStackFeature",
                    "data": {"feature_id": 9009, "variables_data": {"enabled": true}}}]}
    ]
  }],
  "locations": [{"id": "4004", "key": "checkout", "name": "Checkout",
                 "trigger": {"type": "upon_run"},
                 "rules": {"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_text_key_value",
                   "key": "page", "value": "checkout",
                   "matching": {"match_type": "matches", "negated": false}}]}]}]}}],
  "audiences": [{"id": "5005", "key": "desktop", "name": "Desktop", "type": "transient",
                 "rules": {"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_bool_key_value",
                   "key": "desktop", "value": true,
                   "matching": {"match_type": "equals", "negated": false}}]}]}]}}],
  "segments": [],
  "goals": [{"id": "6006", "key": "purchase", "name": "Purchase", "type": "revenue",
             "settings": {"triggering_type": "manual"}, "rules": null}],
  "features": [{"id": "9009", "key": "new-checkout", "name": "New checkout",
                "variables": [{"key": "enabled", "type": "boolean"}]}],
  "archived_experiences": [],
  "is_debug": false
}$$) AS project_id;

-- The whole document: ids are strings (changes[].id stays a number), 50.0 keeps its text
SELECT jsonb_pretty(convert.project_config(7100, 7101)::jsonb);

-- The view renders every project's live config
SELECT account_id, project_id, config::jsonb = convert.project_config(7100, 7101)::jsonb AS same
FROM convert.project_configs WHERE project_id = 7101;

-- The minimal settings document
UPDATE convert.projects
SET settings = '{"include_jquery": true, "version": "2026-03-22T07:46:28+00:00-259"}',
    tracking_script = '{"current_version": "1.2.3", "latest_version": "1.2.4"}'
WHERE id = 7101;
SELECT convert.project_config_basic(7100, 7101);

-- Environments and debug mode: experiences in several states
INSERT INTO convert.project_environments (project_id, name, label, global_javascript)
VALUES (7101, 'staging', 'Staging', 'console.log("staging");');
UPDATE convert.projects SET global_javascript = 'var a = 1;' WHERE id = 7101;
INSERT INTO convert.experiences (project_id, id, key, status, environment, environments, position)
VALUES (7101, 3010, 'draft-prod', 'draft', 'production', NULL, 1),
       (7101, 3011, 'paused-staging', 'paused', 'staging', NULL, 2),
       (7101, 3012, 'active-staging', 'active', 'staging', NULL, 3),
       (7101, 3013, 'completed', 'completed', 'production', NULL, 4),
       (7101, 3014, 'legacy-live', 'active', NULL, '{live}', 5),
       (7101, 3015, 'everywhere', 'active', NULL, NULL, 6),
       (7101, 3016, 'scheduled', 'scheduled', NULL, NULL, 7),
       (7101, 3017, 'archived', 'archived', NULL, NULL, 8);
INSERT INTO convert.archived_experiences (project_id, experience_id) VALUES (7101, 2999);
SELECT convert.generate_debug_token(7101) AS token \gset
SELECT e.environment, t.debug,
       (SELECT string_agg(x ->> 'key', ' ') FROM json_array_elements(c -> 'experiences') x) AS experiences,
       c -> 'archived_experiences' AS archived, c -> 'is_debug' AS is_debug,
       c -> 'project' -> 'global_javascript' AS global_javascript
FROM (VALUES (NULL), ('production'), ('staging'), ('live'), ('unknown')) AS e(environment),
     (VALUES (false), (true)) AS t(debug),
     LATERAL convert.project_config(7100, 7101, e.environment,
                                    CASE WHEN t.debug THEN :'token' END) AS c
ORDER BY t.debug, e.environment NULLS FIRST;
-- An empty environment is no environment
SELECT convert.project_config(7100, 7101, '')::text = convert.project_config(7100, 7101)::text AS same;

-- The cache: one rendering per (environment, debug), kept up to date at commit
SELECT environment, debug FROM convert.config_cache WHERE project_id = 7101 ORDER BY 1, 2;
SELECT count(*) AS stale
FROM convert.config_cache c
WHERE c.project_id = 7101
  AND c.config::text <> convert_internal.render_config(7101, nullif(c.environment, ''), c.debug)::text;
SELECT etag AS etag_before FROM convert.config_cache WHERE project_id = 7101 AND environment = '' AND NOT debug \gset
SELECT etag = md5(config::text) AS etag_is_md5 FROM convert.config_cache
WHERE project_id = 7101 AND environment = '' AND NOT debug;
UPDATE convert.experiences SET name = 'Checkout test 2' WHERE project_id = 7101 AND id = 3003;
SELECT etag <> :'etag_before' AS etag_changed,
       config -> 'experiences' -> 0 ->> 'name' AS cached_name
FROM convert.config_cache WHERE project_id = 7101 AND environment = '' AND NOT debug;
-- Inside a transaction that changed the project, reads see the change
BEGIN;
UPDATE convert.experiences SET name = 'uncommitted' WHERE project_id = 7101 AND id = 3003;
SELECT convert.project_config(7100, 7101) -> 'experiences' -> 0 ->> 'name' AS name_in_transaction;
ROLLBACK;
SELECT convert.project_config(7100, 7101) -> 'experiences' -> 0 ->> 'name' AS name_after_rollback;
-- A write that changes nothing keeps the etag
SELECT etag AS etag_before FROM convert.config_cache WHERE project_id = 7101 AND environment = '' AND NOT debug \gset
UPDATE convert.goals SET name = name WHERE project_id = 7101;
SELECT etag = :'etag_before' AS etag_kept
FROM convert.config_cache WHERE project_id = 7101 AND environment = '' AND NOT debug;
-- A new environment gets its own renderings
INSERT INTO convert.project_environments (project_id, name, label) VALUES (7101, 'qa', 'QA');
SELECT environment FROM convert.config_cache WHERE project_id = 7101 AND NOT debug ORDER BY 1;

-- Non-ASCII names, keys and environments come back intact
INSERT INTO convert.project_environments (project_id, name, label) VALUES (7101, 'prüfung', 'Prüfung ✓');
UPDATE convert.experiences SET name = 'Überprüfung 日本語 👩‍💻', environment = 'prüfung'
WHERE project_id = 7101 AND id = 3015;
SELECT x ->> 'name' AS name, x ->> 'environment' AS environment,
       c -> 'project' -> 'environments' -> 'prüfung' ->> 'label' AS label
FROM convert.project_config(7100, 7101, 'prüfung') AS c, json_array_elements(c -> 'experiences') AS x
WHERE x ->> 'id' = '3015';

-- Constraint violations a user can hit
SELECT regress.try($$INSERT INTO convert.goals (project_id, id, key) VALUES (7101, 6007, 'purchase')$$);
SELECT regress.try($$INSERT INTO convert.goals (project_id, id, key, type) VALUES (7101, 6008, 'g8', 'clicks')$$);
SELECT regress.try($$INSERT INTO convert.goals (project_id, id, key) VALUES (7101, 0, 'g0')$$);
SELECT regress.try($$INSERT INTO convert.goals (project_id, id, key) VALUES (7999, 6009, 'g9')$$);
SELECT regress.try($$UPDATE convert.experiences SET status = 'running' WHERE project_id = 7101 AND id = 3003$$);
SELECT regress.try($$UPDATE convert.experiences SET type = 'a/b/c' WHERE project_id = 7101 AND id = 3003$$);
SELECT regress.try($$UPDATE convert.experiences SET key = 'draft-prod' WHERE project_id = 7101 AND id = 3003$$);
SELECT regress.try($$UPDATE convert.experiences SET environment = '*' WHERE project_id = 7101 AND id = 3003$$);
SELECT regress.try($$UPDATE convert.experiences SET matching_audiences = 'some' WHERE project_id = 7101 AND id = 3003$$);
SELECT regress.try($$UPDATE convert.variations SET traffic_allocation = 100.5 WHERE project_id = 7101 AND id = 7001$$);
SELECT regress.try($$UPDATE convert.variations SET status = 'paused' WHERE project_id = 7101 AND id = 7001$$);
SELECT regress.try($$INSERT INTO convert.variations (project_id, experience_id, position, id)
                     VALUES (7101, 3010, 0, 7001)$$);
SELECT regress.try($$INSERT INTO convert.variations (project_id, experience_id, position, id)
                     VALUES (7101, 3999, 0, 7009)$$);
-- Checked at commit: the allocations of an experience together, and references
-- to entities (so that a transaction may replace them)
BEGIN;
UPDATE convert.variations SET traffic_allocation = 60 WHERE project_id = 7101 AND id = 7001;
UPDATE convert.variations SET traffic_allocation = 40 WHERE project_id = 7101 AND id = 7002;
COMMIT;
UPDATE convert.variations SET traffic_allocation = 70 WHERE project_id = 7101 AND id = 7001;
SELECT regress.try($$INSERT INTO convert.variation_changes (project_id, variation_id, type, data)
                     VALUES (7101, 7001, 'fullStackFeature', '{"feature_id": "x"}')$$);
INSERT INTO convert.variation_changes (project_id, variation_id, position, type, data)
  VALUES (7101, 7001, 5, 'fullStackFeature', '{"feature_id": 9999}');
SELECT regress.try($$INSERT INTO convert.variation_changes (project_id, variation_id, position, type)
                     VALUES (7101, 7001, 6, 'magic')$$);
SELECT regress.try($$INSERT INTO convert.feature_variables (project_id, feature_id, key, type)
                     VALUES (7101, 9009, 'ratio', 'double')$$);
SELECT regress.try($$INSERT INTO convert.feature_variables (project_id, feature_id, key, type)
                     VALUES (7101, 9009, 'enabled', 'string')$$);
SELECT regress.try($$INSERT INTO convert.experience_audiences (project_id, experience_id, audience_id, segment_id)
                     VALUES (7101, 3010, 5005, 5005)$$);
INSERT INTO convert.experience_locations (project_id, experience_id, location_id)
  VALUES (7101, 3010, 4999);
DELETE FROM convert.locations WHERE project_id = 7101 AND id = 4004;
DELETE FROM convert.features WHERE project_id = 7101 AND id = 9009;
SELECT regress.try($$UPDATE convert.locations SET trigger_type = 'on_click' WHERE project_id = 7101$$);
SELECT regress.try($$UPDATE convert.audiences SET type = 'sticky' WHERE project_id = 7101$$);
SELECT regress.try($$UPDATE convert.projects SET type = 'mobile' WHERE id = 7101$$);
SELECT regress.try($$UPDATE convert.projects SET utc_offset = 90000 WHERE id = 7101$$);
SELECT regress.try($$UPDATE convert.projects SET settings = '[]' WHERE id = 7101$$);
SELECT regress.try($$INSERT INTO convert.project_environments (project_id, name) VALUES (7101, '*')$$);
SELECT regress.try($$INSERT INTO convert.project_environments (project_id, name, is_default)
                     VALUES (7101, 'dev', true)$$);
SELECT regress.try($$INSERT INTO convert.sdk_keys (sdk_key, project_id) VALUES ('has space', 7101)$$);
INSERT INTO convert.sdk_keys (sdk_key, project_id, environment) VALUES ('k1', 7101, 'prod');
SELECT convert.create_sdk_key(7101, NULL, 'model-key', 'qa');
DELETE FROM convert.project_environments WHERE project_id = 7101 AND name = 'qa';
SELECT regress.try($$INSERT INTO convert.debug_tokens (token_hash, project_id, expires_at)
                     VALUES ('\x00', 7101, now() + interval '1 hour')$$);

-- Deleting the account removes everything, the cache included
DELETE FROM convert.accounts WHERE id = 7100;
SELECT (SELECT count(*) FROM convert.experiences WHERE project_id = 7101) AS experiences,
       (SELECT count(*) FROM convert.variations WHERE project_id = 7101) AS variations,
       (SELECT count(*) FROM convert.sdk_keys WHERE project_id = 7101) AS sdk_keys,
       (SELECT count(*) FROM convert.config_cache WHERE project_id = 7101) AS cached,
       (SELECT count(*) FROM convert.config_dirty WHERE project_id = 7101) AS dirty;
