-- Visitor properties are createContext's: the report segments among them
-- (country, browser, devices, source, campaign, visitorType,
-- customSegments) are stored as the visitor's segments, combined with the
-- stored segments of `attributes`, then merged back under the other
-- properties.  Expected answers checked against the official SDK 4.4.3.
CREATE TABLE segment_configs (config convert.config);
INSERT INTO segment_configs VALUES ($json$
{"account_id": "1001", "project": {"id": "2003", "type": "fullstack"},
 "experiences": [
  {"id": "3101", "key": "vip-only", "audiences": ["6101"],
   "settings": {"matching_options": {"audiences": "any"}},
   "variations": [{"id": "7101", "key": "vip", "changes": [{"id": 8101, "type": "fullStackFeature",
     "data": {"feature_id": 9101, "variables_data": {"tier": "gold"}}}]}]},
  {"id": "3102", "key": "us-desktop", "audiences": ["5101", "5102"],
   "settings": {"matching_options": {"audiences": "all"}}, "variations": [{"id": "7102", "key": "us-desktop"}]},
  {"id": "3103", "key": "pro-plan", "audiences": ["5103"],
   "settings": {"matching_options": {"audiences": "any"}}, "variations": [{"id": "7103", "key": "pro"}]},
  {"id": "3104", "key": "desk-twice", "audiences": ["5104"],
   "settings": {"matching_options": {"audiences": "any"}}, "variations": [{"id": "7104", "key": "twice"}]}],
 "audiences": [
  {"id": "5101", "key": "us", "type": "transient",
   "rules": {"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_text_key_value", "key": "country",
     "value": "US", "matching": {"match_type": "matches", "negated": false}}]}]}]}},
  {"id": "5102", "key": "desktop", "type": "transient",
   "rules": {"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_text_key_value", "key": "devices",
     "value": "DESK", "matching": {"match_type": "contains", "negated": false}}]}]}]}},
  {"id": "5103", "key": "pro", "type": "transient",
   "rules": {"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_text_key_value", "key": "plan",
     "value": "pro", "matching": {"match_type": "matches", "negated": false}}]}]}]}},
  {"id": "5104", "key": "desk-twice", "type": "transient",
   "rules": {"OR": [{"AND": [{"OR_WHEN": [{"rule_type": "generic_text_key_value", "key": "devices",
     "value": "DESK,DESK", "matching": {"match_type": "contains", "negated": false}}]}]}]}}],
 "segments": [{"id": "6101", "key": "vip", "name": "VIP", "rules": null},
              {"id": "6102", "key": "churn", "name": "Churn risk", "rules": null}],
 "features": [{"id": "9101", "key": "vip-feature", "name": "VIP feature",
               "variables": [{"key": "tier", "type": "string"}]}],
 "locations": [], "goals": [], "archived_experiences": []}
$json$);
-- customSegments in the visitor properties count for segment targeting;
-- ids compare strictly (unknown ids and the number 6101 do not match)
SELECT props, convert.run_experience(config, 'visitor-1', 'vip-only', props::jsonb, '{}') ->> 'id' AS variation
FROM segment_configs, (VALUES ('{"customSegments": ["6101"]}'), ('{"customSegments": ["6102", "999"]}'),
                              ('{"customSegments": [6101]}'), ('{"customSegments": []}'),
                              ('{"vip": true}')) AS p(props);
-- ... combined with the stored customSegments (arrays are unioned)
SELECT props, attrs, convert.run_experience(config, 'visitor-1', 'vip-only', props::jsonb, '{}', NULL,
                                            attrs::jsonb) ->> 'id' AS variation
FROM segment_configs,
     (VALUES ('{"customSegments": ["6102"]}', '{"segments": {"customSegments": ["6101"]}}'),
             ('{"customSegments": ["6101"]}', '{"segments": {"customSegments": ["6102"]}}'),
             ('{"customSegments": []}', '{"segments": {"customSegments": ["6101"]}}'),
             ('{"customSegments": ["6102"]}', '{"segments": {"customSegments": ["6102"]}}')) AS p(props, attrs);
-- All four functions
SELECT convert.run_experience(config, 'visitor-1', 'vip-only', '{"customSegments": ["6101"]}', '{}') AS run_experience
FROM segment_configs;
SELECT r AS run_experiences FROM segment_configs,
  LATERAL convert.run_experiences(config, 'visitor-1', '{"customSegments": ["6101"]}', '{}') AS t(r);
SELECT convert.run_feature(config, 'visitor-1', 'vip-feature', '{"customSegments": ["6101"]}', '{}') AS run_feature,
       convert.run_feature(config, 'visitor-1', 'vip-feature', '{"customSegments": ["6102"]}', '{}') AS not_in_segment
FROM segment_configs;
SELECT r AS run_features FROM segment_configs,
  LATERAL convert.run_features(config, 'visitor-1', '{"customSegments": ["6101"]}', '{}') AS t(r);
SELECT r AS run_features_no_segment FROM segment_configs,
  LATERAL convert.run_features(config, 'visitor-1', '{}', '{}') AS t(r);
-- Report segments are merged back: audiences still see them, and the
-- visitor properties' value wins over the stored one
SELECT props, attrs, convert.run_experience(config, 'visitor-1', 'us-desktop', props::jsonb, '{}', NULL,
                                            attrs::jsonb) ->> 'id' AS variation
FROM segment_configs,
     (VALUES ('{"country": "US", "devices": ["DESK"]}', NULL),
             ('{"country": "US"}', '{"segments": {"devices": ["IPH", "DESK"]}}'),
             ('{"country": "US", "devices": ["IPH"]}', '{"segments": {"devices": ["DESK"]}}'),
             ('{"country": "US", "devices": ["DESK"]}', '{"segments": {"country": "DE"}}'),
             ('{"country": "DE", "devices": ["DESK"]}', '{"segments": {"country": "US"}}')) AS p(props, attrs);
-- Other properties win over stored segments of the same name
SELECT props, attrs, convert.run_experience(config, 'visitor-1', 'pro-plan', props::jsonb, '{}', NULL,
                                            attrs::jsonb) ->> 'id' AS variation
FROM segment_configs,
     (VALUES ('{"plan": "free", "country": "US"}', '{"segments": {"plan": "pro"}}'),
             ('{"plan": "pro", "country": "US"}', '{"segments": {"plan": "free"}}'),
             ('{"country": "US"}', '{"segments": {"plan": "pro"}}')) AS p(props, attrs);
-- The SDK keeps a stored record that already equals {"segments": <report
-- segments>} as it is (repeated array elements stay); otherwise the
-- arrays are unioned, which drops repeats.  An array equals an object
-- keyed "0", "1", ... there, as in JavaScript.
SELECT props, attrs, convert.run_experience(config, 'visitor-1', 'desk-twice', props::jsonb, '{}', NULL,
                                            attrs::jsonb) ->> 'id' AS variation
FROM segment_configs,
     (VALUES ('{"devices": ["DESK", "DESK"]}', NULL),
             ('{"devices": ["DESK", "DESK"]}', '{"segments": {"devices": ["DESK", "DESK"]}}'),
             ('{"devices": ["DESK", "DESK"]}', '{"bucketing": {}, "segments": {"devices": ["DESK", "DESK"]}}'),
             ('{"devices": ["DESK"]}', '{"segments": {"devices": ["DESK", "DESK"]}}'),
             ('{"devices": {"0": "DESK", "1": "DESK"}}', '{"segments": {"devices": ["DESK", "DESK"]}}'),
             ('{"devices": ["DESK", "DESK"], "plan": "pro"}', '{"segments": {"devices": ["DESK", "DESK"]}}'))
       AS p(props, attrs);
-- customSegments given as a string: the SDK's includes() searches it for
-- each segment id as text; the later value wins over the stored one
SELECT props, attrs, convert.run_experience(config, 'visitor-1', 'vip-only', props::jsonb, '{}', NULL,
                                            attrs::jsonb) ->> 'id' AS variation
FROM segment_configs,
     (VALUES ('{"customSegments": "6101"}', NULL),
             ('{"customSegments": "x6101,6102"}', NULL),
             ('{"customSegments": "610"}', NULL),
             ('{"customSegments": "6101"}', '{"segments": {"customSegments": ["6102"]}}'),
             ('{"customSegments": ["6102"]}', '{"segments": {"customSegments": "6101"}}'),
             ('{"country": "US"}', '{"segments": {"customSegments": "6101"}}')) AS p(props, attrs);
-- Anything else makes the SDK throw once an experience targets a segment:
-- refused here whatever the config
SELECT convert.run_experience(config, 'v', 'us-desktop', '{"customSegments": 6101}', '{}') FROM segment_configs;
SELECT convert.run_experience(config, 'v', 'vip-only', '{"customSegments": null}', '{}') FROM segment_configs;
DROP TABLE segment_configs;
