-- Hashing and bucketing: the worked examples of docs/sdk-behaviour.md,
-- argument handling and errors.
\pset null '(null)'

-- MurmurHash3 self-check values
SELECT convert.murmurhash3('', 9999) AS empty_9999,
       convert.murmurhash3('', 0) AS empty_0,
       convert.murmurhash3('abc', 0) AS abc_0,
       convert.murmurhash3('abc') AS abc_default_seed,
       convert.murmurhash3('hello', 12345) AS hello_12345;

-- Seeds go through the SDK's 32-bit arithmetic: only the low 32 bits count.
SELECT convert.murmurhash3('abc', -1) = convert.murmurhash3('abc', 4294967295) AS negative_wraps,
       convert.murmurhash3('abc', 4294967296 + 9999) = convert.murmurhash3('abc', 9999) AS high_bits_dropped;

-- Bucket values (experience id first, then visitor id, no separator)
SELECT visitor, experience, convert.bucket_value(visitor, experience) AS value
FROM (VALUES ('visitor-1', '100349071'), ('thirds-core-O-1', '900000001'),
             ('anchor-gate-visitor-17', '900000001'), ('boundary-9999-5699', '900000001'),
             ('12345', '100218245'), ('user@example.com', '100334665'),
             ('550e8400-e29b-41d4-a716-446655440000', '100349071'),
             ('', '100349071'), ('visitor-1', ''), ('a', '')) AS t(visitor, experience);

-- The experience id defaults to '' (the SDK's excludeExperienceIdHash)
SELECT convert.bucket_value('visitor-1') AS visitor_only;

-- No separator: ('1', '23x') and ('12', '3x') collide, as in the SDK
SELECT convert.bucket_value('23x', '1') = convert.bucket_value('3x', '12') AS collide;

-- max_traffic: other scales truncate; 0 falls back to 10000 as in the SDK
SELECT convert.bucket_value('visitor-1', '100349071', 9999, 100) AS pct,
       convert.bucket_value('visitor-1', '100349071', 9999, 0) AS zero_scale,
       convert.bucket_value('visitor-1', '100349071', 0) AS seed_zero;
SELECT convert.bucket_value('visitor-1', '100349071', 9999, -1);

-- STRICT: NULL in, NULL out
SELECT convert.bucket_value(NULL, '1') AS null_visitor, convert.murmurhash3(NULL) AS null_value;

-- select_variation: examples S1..S6 of docs/sdk-behaviour.md (experience 100349071)
CREATE TABLE spec_visitors(visitor text);
INSERT INTO spec_visitors VALUES ('visitor-1'), ('visitor-äöü-1'), ('日本語ユーザー'),
  ('user@example.com'), ('12345'), ('550e8400-e29b-41d4-a716-446655440000'),
  ('v0'), ('v1'), ('v2'), ('v3');
CREATE TABLE spec_sets(name text, variations jsonb);
INSERT INTO spec_sets VALUES
  ('S1', '[{"id":"1003180877","traffic_allocation":50,"status":"running"},
           {"id":"1003180878","traffic_allocation":50,"status":"running"}]'),
  ('S2', '[{"id":"300","traffic_allocation":30},{"id":"100","traffic_allocation":30},
           {"id":"200","traffic_allocation":40}]'),
  ('S3', '[{"id":"1001","traffic_allocation":20,"status":"running"},
           {"id":"1002","traffic_allocation":20,"status":"stopped"},
           {"id":"1003","traffic_allocation":20,"status":"running"}]'),
  ('S4', '[{"id":"1001","traffic_allocation":10},{"id":"1002","traffic_allocation":0},
           {"id":"1003","traffic_allocation":10}]'),
  ('S5', '[{"id":"1001"},{"id":"1002","traffic_allocation":25}]'),
  ('S6', '[{"id":"9000000001","traffic_allocation":40},{"id":"100","traffic_allocation":40}]');

SELECT s.name, v.visitor, convert.bucket_value(v.visitor, '100349071') AS value,
       convert.select_variation(s.variations, '100349071', v.visitor) AS packed,
       convert.select_variation(s.variations, '100349071', v.visitor, 11) AS v11,
       convert.select_variation(s.variations, '100349071', v.visitor, 12) AS anchored
FROM spec_sets s CROSS JOIN spec_visitors v
ORDER BY s.name, v.visitor COLLATE "C";

-- Boundaries are not rounded: 0.07 * 100 = 7.000000000000001 puts value 7
-- in A, and 14.000000000000002 * 100 puts value 1400 in A (docs/sdk-behaviour.md)
SELECT visitor, convert.bucket_value(visitor, 'x') AS value,
       convert.select_variation('[{"id":"A","traffic_allocation":0.07},{"id":"B","traffic_allocation":99.93}]',
                                'x', visitor) AS tiny_first_arm,
       convert.select_variation('[{"id":"A","traffic_allocation":14.000000000000002},{"id":"B","traffic_allocation":1}]',
                                'x', visitor) AS just_over_14
FROM (VALUES ('v-3202'), ('v-19965'), ('v-3387'), ('v-2361')) AS t(visitor);

-- JavaScript coercions of traffic_allocation and status
SELECT label, convert.select_variation(variations, '100349071', 'visitor-1') AS packed,
       convert.select_variation(variations, '100349071', 'visitor-1', 12) AS anchored
FROM (VALUES
  ('string allocation', '[{"id":"a","traffic_allocation":"50"},{"id":"b","traffic_allocation":"50"}]'::jsonb),
  ('NaN poisons the walk', '[{"id":"a","traffic_allocation":"abc"},{"id":"b","traffic_allocation":100}]'),
  ('null allocation is 0', '[{"id":"a","traffic_allocation":null},{"id":"b","traffic_allocation":100}]'),
  ('true allocation is 1', '[{"id":"a","traffic_allocation":true},{"id":"b","traffic_allocation":100}]'),
  ('other status stops', '[{"id":"a","traffic_allocation":100,"status":"paused"},{"id":"b"}]'),
  ('empty status runs', '[{"id":"a","traffic_allocation":100,"status":""}]'),
  ('empty id skipped', '[{"id":"","traffic_allocation":50},{"id":"b","traffic_allocation":50}]'),
  ('numeric ids as keys', '[{"id":1003180878,"traffic_allocation":50},{"id":1003180877,"traffic_allocation":50}]'),
  ('duplicate id keeps place', '[{"id":"x","traffic_allocation":10},{"id":"y","traffic_allocation":10},{"id":"x","traffic_allocation":80}]'),
  ('empty list', '[]')
) AS t(label, variations);

-- NULL version means "no version": the packed layout
SELECT convert.select_variation(variations, '100349071', 'visitor-1', NULL) AS null_version
FROM spec_sets WHERE name = 'S2';
SELECT convert.select_variation(NULL, '1', 'v') AS null_variations,
       convert.select_variation('[]', NULL, 'v') AS null_experience,
       convert.select_variation('[]', '1', NULL) AS null_visitor;

-- Invalid variations name the element and the field
SELECT convert.select_variation('{"id":"a"}', '1', 'v');
SELECT convert.select_variation('"a"', '1', 'v');
SELECT convert.select_variation('[{"id":"a"}, 5]', '1', 'v');
SELECT convert.select_variation('[{"traffic_allocation":50}]', '1', 'v');
SELECT convert.select_variation('[{"id":{"x":1}}]', '1', 'v');
SELECT convert.select_variation('[{"id":"a","traffic_allocation":[50]}]', '1', 'v');

-- The cache follows the argument: different variations on every row
SELECT name, convert.select_variation(variations, '100349071', 'v0') AS chosen
FROM spec_sets ORDER BY name;
