-- Each step of runExperience (docs/sdk-behaviour.md), on the
-- config of decisions_setup (run first).

-- The verified example (docs/sdk-behaviour.md, "Config documents"): visitor-1 hashes to 3203 -> 7001.
SELECT convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                              '{"page": "checkout"}', 'production')
FROM decision_configs;
-- bucketingAllocation is the bucket value of experience id ++ visitor id
SELECT (convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                               '{"page": "checkout"}', 'production') -> 'bucketingAllocation')::int
       = convert.bucket_value('visitor-1', '3003') AS allocation_is_bucket_value
FROM decision_configs;

-- Step 1: no visitor id; step 4: unknown key -> NULL
SELECT convert.run_experience(config, '', 'checkout-test', NULL, '{}', 'production') IS NULL AS empty_visitor,
       convert.run_experience(config, 'v', 'nope', NULL, '{}', 'production') IS NULL AS unknown_key,
       convert.run_experience(config, 'v', NULL) IS NULL AS null_key
FROM decision_configs;
-- Step 5: archived experiences are refused even though listed
SELECT convert.run_experience(config, 'visitor-1', 'archived-test', NULL, '{}') AS archived
FROM decision_configs;
-- Step 6: environment, case-sensitive; NULL and '' mean the SDK default "staging"
SELECT env, convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                                   '{"page": "checkout"}', env) ->> 'id' AS variation
FROM decision_configs, (VALUES ('production'), ('Production'), ('staging'), (''), (NULL)) AS e(env);
-- Step 7: status is not checked (a draft experience decides)
SELECT convert.run_experience(config, 'visitor-1', 'draft-test', NULL, '{}') ->> 'id' AS draft
FROM decision_configs;
-- Step 9: locations; absent location properties fail even when unrestricted
SELECT props, convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                                     props::jsonb, 'production') ->> 'id' AS variation
FROM decision_configs, (VALUES ('{"page": "checkout"}'), ('{"page": "Checkout"}'), ('{"page": "cart"}'),
                               ('{}'), ('null'), (NULL)) AS p(props);
SELECT convert.run_experience(config, 'visitor-1', 'draft-test') AS no_location_properties,
       convert.run_experience(config, 'visitor-1', 'draft-test', NULL, NULL, NULL,
                              '{"ignoreLocationProperties": true}') ->> 'id' AS ignored,
       convert.run_experience(config, 'visitor-1', 'draft-test', NULL, NULL, NULL,
                              '{"ignoreLocationProperties": "true"}') AS only_json_true
FROM decision_configs;
-- site_area when there is no locations list
SELECT url, convert.run_experience(config, 'visitor-1', 'site-area-test', NULL,
                                   jsonb_build_object('url', url)) ->> 'id' AS variation
FROM decision_configs, (VALUES ('https://www.convert.com/x'), ('https://example.org/')) AS u(url);
-- Step 10: audiences, "any" and "all"
SELECT props, convert.run_experience(config, 'visitor-1', 'all-audiences', props::jsonb, '{}') ->> 'id' AS all_of_them,
       convert.run_experience(config, 'visitor-1', 'checkout-test', props::jsonb,
                              '{"page": "checkout"}', 'production') ->> 'id' AS any_of_them
FROM decision_configs, (VALUES ('{"desktop": true, "country": "us"}'), ('{"desktop": true}'),
                               ('{"country": "US"}'), ('{}'), (NULL)) AS p(props);
-- Permanent audiences are skipped once the visitor has a valid stored decision
SELECT attrs, convert.run_experience(config, 'visitor-1', 'permanent-test', '{"plan": "free"}', '{}',
                                     NULL, attrs::jsonb) AS result
FROM decision_configs, (VALUES (NULL), ('{"bucketing": {"3007": "7402"}}'),
                               ('{"bucketing": {"3007": "gone"}}')) AS a(attrs);
-- Step 11: segments need a stored custom segment
SELECT attrs, convert.run_experience(config, 'visitor-1', 'segment-test', NULL, '{}', NULL,
                                     attrs::jsonb) ->> 'id' AS variation
FROM decision_configs, (VALUES (NULL), ('{"segments": {"customSegments": ["6001"]}}'),
                               ('{"segments": {"customSegments": [6001]}}'),
                               ('{"segments": {"customSegments": []}}')) AS a(attrs);
-- Stored segments are merged under the visitor properties (they can satisfy audiences)
SELECT convert.run_experience(config, 'visitor-1', 'all-audiences', '{"desktop": true}', '{}', NULL,
                              '{"segments": {"country": "US"}}') ->> 'id' AS merged
FROM decision_configs;
-- Step 12: no variations -> NULL
SELECT convert.run_experience(config, 'visitor-1', 'no-variations', NULL, '{}') AS no_variations
FROM decision_configs;
-- Step 13: outside every range -> the SDK's not-decided string
SELECT visitor, convert.bucket_value(visitor, '3011') AS value,
       convert.run_experience(config, visitor, 'sparse', NULL, '{}') AS result
FROM decision_configs, (VALUES ('visitor-1'), ('visitor-2'), ('visitor-3'), ('visitor-9')) AS v(visitor)
ORDER BY visitor;
-- Anchored layout (version > 11): the stopped middle arm keeps its weight
SELECT visitor, convert.bucket_value(visitor, '3012') AS value,
       convert.run_experience(config, visitor, 'anchored', NULL, '{}') ->> 'id' AS variation,
       convert.select_variation('[{"id": "7901", "traffic_allocation": 10},
                                  {"id": "7902", "traffic_allocation": 80, "status": "stopped"},
                                  {"id": "7903", "traffic_allocation": 10}]', '3012', visitor, 12) AS expected
FROM decision_configs, (VALUES ('visitor-1'), ('visitor-4'), ('visitor-7'), ('visitor-12')) AS v(visitor)
ORDER BY visitor;
-- Stored decision: returned as stored, without bucketingAllocation
SELECT convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                              '{"page": "checkout"}', 'production',
                              '{"bucketing": {"3003": "7002"}}') AS stored
FROM decision_configs;
-- ... unless it no longer exists: bucketed afresh
SELECT convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                              '{"page": "checkout"}', 'production',
                              '{"bucketing": {"3003": "7999"}}') ->> 'id' AS rebucketed
FROM decision_configs;
-- forceVariationId: the forced variation with the natural bucket value; the
-- same as the stored one counts as stored; an unknown id is ignored
SELECT attrs, r ->> 'id' AS variation, r -> 'bucketingAllocation' AS allocation
FROM decision_configs,
     (VALUES ('{"forceVariationId": "7002"}'), ('{"forceVariationId": 7002}'),
             ('{"forceVariationId": "7002", "bucketing": {"3003": "7002"}}'),
             ('{"forceVariationId": "7002", "bucketing": {"3003": "7001"}}'),
             ('{"forceVariationId": "nope"}')) AS a(attrs),
     LATERAL convert.run_experience(config, 'visitor-1', 'checkout-test', '{"desktop": true}',
                                    '{"page": "checkout"}', 'production', attrs::jsonb) AS r;
-- Forced, natural value outside every range: no bucketingAllocation
SELECT convert.run_experience(config, 'visitor-1', 'sparse', NULL, '{}', NULL,
                              '{"forceVariationId": "7802"}') AS forced_outside
FROM decision_configs;
-- Mutual exclusion (docs/sdk-behaviour.md): "exclusion" requires no decision for checkout-test
SELECT attrs, convert.run_experience(config, 'visitor-1', 'exclusion', NULL, '{}', NULL,
                                     attrs::jsonb) ->> 'id' AS variation
FROM decision_configs, (VALUES (NULL), ('{"bucketing": {"3003": "7001"}}'),
                               ('{"bucketing": {"3003": ""}}')) AS a(attrs);

-- runExperiences: config order; a decision made earlier in the call counts
-- for the exclusion rule, unless enableStorage is false
SELECT attrs, array_agg(r ->> 'experienceKey' || '=' || (r ->> 'id') ORDER BY o) AS decided
FROM decision_configs, (VALUES ('{}'), ('{"enableStorage": false}')) AS a(attrs),
     LATERAL convert.run_experiences(config, 'visitor-1', '{"desktop": true}', '{"page": "checkout"}',
                                     'production', attrs::jsonb) WITH ORDINALITY AS t(r, o)
GROUP BY attrs ORDER BY attrs;
SELECT count(*) AS no_visitor FROM decision_configs, convert.run_experiences(config, '');

-- Bad arguments name what is wrong
SELECT convert.run_experience(config, 'v', 'sparse', '[1]') FROM decision_configs;
SELECT convert.run_experience(config, 'v', 'sparse', NULL, '{}', NULL, '{"forcedVariationId": "1"}')
FROM decision_configs;
SELECT convert.run_experience(config, 'v', 'sparse', NULL, '{}', NULL, '{"bucketing": {"3011": {}}}')
FROM decision_configs;
SELECT convert.run_experience(config, 'v', 'sparse', NULL, '{}', NULL, '{"segments": {"customSegments": 6001}}')
FROM decision_configs;
