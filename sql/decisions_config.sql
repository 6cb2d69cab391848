-- The convert.config type: input compiles and validates, output prints the
-- JSON back, casts from json and jsonb, and invalid configs fail with the
-- JSON path of the problem.
SET client_min_messages = warning;   -- quiet whether or not an earlier test created it
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": []}'::convert.config;
SELECT '{"account_id":"1","project":{"id":"2"}}'::json::convert.config::jsonb;
SELECT '{"account_id": "1", "project": {"id": "2"}, "x": 50.0}'::jsonb::convert.config;
-- Binary I/O: a version byte and the JSON text
SELECT convert.config_send('{"account_id":"1","project":{"id":"2"}}'::convert.config);

-- Junk of every kind
SELECT ''::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}} x'::convert.config;
SELECT '[]'::convert.config;
SELECT 'null'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "a": NaN}'::convert.config;
SELECT '{}'::convert.config;
SELECT '{"account_id": "1"}'::convert.config;
SELECT '{"account_id": "", "project": {"id": "2"}}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": 0}}'::convert.config;
SELECT '{"error": {"code": 404, "message": "not found"}}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": {}}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "audiences": [null]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"key": "a"}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": {"x": 1}}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "key": ["a"]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1"}, {"id": 1}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "variations": {}}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "variations": [{"id": "a"}, 7]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "variations": [{"id": ["a"]}]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "variations": [{"id": "a", "traffic_allocation": {}}]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "version": [12], "variations": [{"id": "a"}]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "experiences": [{"id": "1", "variations": [{"id": "a", "changes": "x"}]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "features": [{"id": "9", "variables": {}}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "features": [{"id": "9", "variables": [1]}]}'::convert.config;
SELECT '{"account_id": "1", "project": {"id": "2"}, "archived_experiences": "3"}'::convert.config;

-- What the SDK only coerces is accepted: rules it cannot use, odd scalars
SELECT convert.run_experience(c, 'v', 'k', NULL, '{}') AS site_area_not_a_tree,
       convert.run_experience(c, 'v', 'k', NULL, NULL, NULL,
                              '{"ignoreLocationProperties": true}') ->> 'id' AS string_allocation,
       convert.run_experience(c, 'v', 'l', NULL, '{}') AS empty_or
FROM (SELECT '{"account_id": 1, "project": {"id": 2},
               "experiences": [{"id": 42, "key": "k", "site_area": "not a rule tree",
                                "variations": [{"id": "a", "traffic_allocation": "100"}]},
                               {"id": "43", "key": "l", "site_area": {"OR": []},
                                "variations": [{"id": "b"}]}],
               "locations": [{"id": "1", "rules": {"OR": [{"AND": "junk"}]}}]}'::convert.config AS c) s;

-- Non-ASCII keys, ids and visitor ids (UTF-8 is hashed, as the SDK does)
SELECT convert.run_experience(c, 'visitor-äöü-1', 'prüfung', NULL, '{}') AS non_ascii,
       convert.bucket_value('visitor-äöü-1', '100349071') AS value
FROM (SELECT '{"account_id": "1", "project": {"id": "2"},
               "experiences": [{"id": "100349071", "key": "prüfung", "name": "Prüfung 日本語",
                                "variations": [{"id": "1003180877", "name": "Ω", "traffic_allocation": 50},
                                               {"id": "1003180878", "name": "😀", "traffic_allocation": 50}]}]}'::convert.config AS c) s;

-- A config value per row: the cache follows the value
SELECT n, convert.run_experience(c, 'visitor-1', 'e', NULL, '{}') ->> 'id' AS variation
FROM (VALUES (1, '{"account_id":"1","project":{"id":"2"},"experiences":[{"id":"1","key":"e","variations":[{"id":"a"}]}]}'),
             (2, '{"account_id":"1","project":{"id":"2"},"experiences":[{"id":"1","key":"e","variations":[{"id":"b"}]}]}'),
             (3, '{"account_id":"1","project":{"id":"2"},"experiences":[{"id":"1","key":"e","variations":[{"id":"a"}]}]}'))
     AS t(n, doc), LATERAL (SELECT doc::convert.config AS c) s
ORDER BY n;
-- A large config stored in a table (toasted) works the same
CREATE TABLE big_config AS
SELECT jsonb_build_object('account_id', '1', 'project', jsonb_build_object('id', '2'),
         'experiences', jsonb_agg(jsonb_build_object('id', (1000 + g)::text, 'key', 'exp-' || g,
           'variations', jsonb_build_array(jsonb_build_object('id', 'v' || g, 'traffic_allocation', 50),
                                           jsonb_build_object('id', 'w' || g, 'traffic_allocation', 50))))
       )::convert.config AS c
FROM generate_series(1, 300) AS g;
SELECT pg_column_size(c) < octet_length(c::text) AS compressed,
       convert.run_experience(c, 'visitor-1', 'exp-300', NULL, '{}') ->> 'id' AS variation,
       convert.select_variation('[{"id":"v300","traffic_allocation":50},{"id":"w300","traffic_allocation":50}]',
                                '1300', 'visitor-1') AS expected
FROM big_config;
DROP TABLE big_config;
