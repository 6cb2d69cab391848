-- runFeature / runFeatures (docs/sdk-behaviour.md, "Features") and variable
-- casting, on the config of decisions_setup (run first).

-- All features: enabled entries of the decided variation, then the rest disabled
SELECT r FROM decision_configs,
  LATERAL convert.run_features(config, 'visitor-1', '{"desktop": true}', '{"page": "checkout"}',
                               'production') WITH ORDINALITY AS t(r, o)
WHERE r ->> 'status' = 'disabled' OR r ->> 'experienceKey' = 'checkout-test'
ORDER BY o;
-- Casting per declared type: b "TRUE" -> true, i "0x1A" -> 26, f "12.5abc" -> 12.5,
-- s 12 -> "12", j -> object, u undeclared -> as served, n "abc" -> NaN -> null
SELECT convert.run_feature(config, 'visitor-1', 'typed', '{"desktop": true}', '{"page": "checkout"}',
                           'production') -> 'variables' AS cast
FROM decision_configs;
SELECT convert.run_feature(config, 'visitor-1', 'typed', '{"desktop": true}', '{"page": "checkout"}',
                           'production', '{"typeCasting": false}') -> 'variables' AS as_served
FROM decision_configs;
-- Not enabled: the declared feature, disabled; undeclared: just the key
SELECT convert.run_feature(config, 'visitor-1', 'new-checkout', '{"desktop": false}',
                           '{"page": "checkout"}', 'production') AS declared,
       convert.run_feature(config, 'visitor-1', 'nope') AS undeclared
FROM decision_configs;
-- experienceKeys restricts the experiences evaluated
SELECT keys, convert.run_feature(config, 'visitor-1', 'new-checkout', '{"desktop": true}',
                                 '{"page": "checkout"}', 'production',
                                 jsonb_build_object('experienceKeys', keys::jsonb)) ->> 'status' AS status
FROM decision_configs, (VALUES ('["checkout-test"]'), ('["sparse"]'), ('[]')) AS k(keys);
-- forceVariationId and ignoreLocationProperties are not forwarded to features
SELECT convert.run_feature(config, 'visitor-1', 'new-checkout', '{"desktop": true}', NULL, 'production',
                           '{"ignoreLocationProperties": true}') ->> 'status' AS ignore_location,
       convert.run_feature(config, 'visitor-1', 'new-checkout', '{"desktop": true}', '{"page": "checkout"}',
                           'production', '{"forceVariationId": "7002"}') -> 'variables' AS forced
FROM decision_configs;

-- Two experiences with one key: the SDK evaluates the first twice, the
-- second time as a stored decision, and casts the shared change twice
-- (JSON.parse of "\"1\"" is "1", then 1; parseInt of 1.2345678901234568e+23
-- is 1).  Answers verified with the SDK.
CREATE TEMP TABLE dup AS SELECT '{"account_id": "1", "project": {"id": "2"},
 "experiences": [{"id": "11", "key": "dup", "name": "First", "variations": [{"id": "a",
    "changes": [{"id": 1, "type": "fullStackFeature", "data": {"feature_id": 5,
      "variables_data": {"j": "\"1\"", "i": "123456789012345678901234"}}}]}]},
   {"id": "12", "key": "dup", "name": "Second", "variations": [{"id": "b"}]}],
 "features": [{"id": "5", "key": "f", "name": "F",
   "variables": [{"key": "j", "type": "json"}, {"key": "i", "type": "integer"}]}]}'::convert.config AS c;
SELECT r ->> 'experienceName' AS name, r ->> 'id' AS variation, r -> 'bucketingAllocation' AS allocation
FROM dup, convert.run_experiences(c, 'v', NULL, '{}') WITH ORDINALITY AS t(r, o) ORDER BY o;
SELECT r -> 'variables' AS variables FROM dup, convert.run_features(c, 'v', NULL, '{}') AS r;
SELECT convert.run_feature(c, 'v', 'f', NULL, '{}') AS two_entries FROM dup;
