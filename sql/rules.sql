-- convert.rules and convert.rules_match: every match type (negated and
-- not) on the examples of rules.md, every rule type, the tree logic, the
-- canonical output, casts and the per-call cache.
SET client_min_messages TO warning;   -- quiet whether or not it exists yet
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'

-- One element {"rule_type": rt, "key": "v", "value": value, "matching": ...}
-- (no value member when value is SQL NULL) wrapped in OR/AND/OR_WHEN.
CREATE FUNCTION pg_temp.el(match text, value jsonb, negated boolean,
                           rt text DEFAULT 'generic_key_value', k text DEFAULT 'v')
RETURNS convert.rules LANGUAGE sql AS $$
  SELECT jsonb_build_object('OR', jsonb_build_array(jsonb_build_object('AND',
         jsonb_build_array(jsonb_build_object('OR_WHEN', jsonb_build_array(
           jsonb_strip_nulls(jsonb_build_object('rule_type', rt, 'key', k,
             'matching', jsonb_build_object('match_type', match, 'negated', negated)))
           || CASE WHEN value IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('value', value) END))))))::convert.rules
$$;

-- Canonical output: members in a fixed order, numbers as JavaScript prints them.
SELECT pg_temp.el('less', '50.0', true);
SELECT '{"OR":[{"AND":[{"OR_WHEN":[{"matching":{"negated":false,"match_type":"equals"},
         "value":[1e21,1E-7,-0,9007199254740993,{"b":null}],"key":"k","rule_type":"url"}]}]}]}'::convert.rules;
SELECT ' { "OR" : [ ] } '::convert.rules AS empty_or,
       '{"OR":[{"AND":[{"OR_WHEN":[]}]}]}'::convert.rules AS empty_or_when;

-- Comparators: value (the property), rule value, result and negated result.
SELECT match, prop, value,
       convert.rules_match(pg_temp.el(match, value::jsonb, false), ('{"v":' || prop || '}')::jsonb) AS result,
       convert.rules_match(pg_temp.el(match, value::jsonb, true), ('{"v":' || prop || '}')::jsonb) AS negated
FROM (VALUES
  ('equals', '"ABC"', '"abc"'), ('equals', '1', '"1"'), ('equals', '1', '"1.0"'),
  ('equals', 'true', '"TRUE"'), ('equals', 'null', '"null"'), ('equals', '["a","b"]', '"a"'),
  ('equals', '["A"]', '"a"'), ('equals', '[1,2]', '"1"'), ('equals', '[1,2]', '1'),
  ('equals', '[]', '""'), ('equals', '{"x":1}', '"x"'), ('equals', '{}', '"[object Object]"'),
  ('equals', '1e21', '"1e+21"'), ('matches', '"US"', '"us"'), ('matches', '"US"', '"USA"'),
  ('equalsNumber', '10', '"10.0"'), ('equalsNumber', '"10"', '10'),
  ('less', '"10"', '"9"'), ('less', '"abc"', '"abd"'), ('less', '"B"', '"a"'),
  ('less', 'true', '1'), ('less', '"0,500"', '0.6'), ('less', '"0,5"', '1'),
  ('less', '"-.5"', '0'), ('less', '" 5"', '6'), ('less', '"122.5"', '123'),
  ('less', '"1,123.5"', '123'), ('less', '"orange"', '4'), ('less', '"1e3"', '2000'),
  ('less', '""', '1'), ('less', 'null', 'null'),
  ('lessEqual', '"1,000.50"', '1000.5'), ('lessEqual', '5', '5'), ('lessEqual', 'null', 'null'),
  ('lessEqual', 'false', 'true'),
  ('contains', '"Hello World"', '"WORLD"'), ('contains', '"abc"', '"  "'),
  ('contains', '["ab","cd"]', '"b,c"'), ('contains', '12345', '23'), ('contains', 'null', '"nul"'),
  ('contains', '"abc"', '"x"'),
  ('startsWith', '"x"', '""'), ('startsWith', '"Hello"', '"HE"'), ('startsWith', '"Hello"', '"lo"'),
  ('endsWith', '"lo"', '"hello"'), ('endsWith', '"Hello"', '"LO"'),
  ('regexMatches', '"Hello"', '"^hello$"'), ('regexMatches', '"HELLO"', '"^[a-z]+$"'),
  ('regexMatches', '"HELLO"', '"^[A-Z]+$"'), ('regexMatches', '111222333', '"\\d+"'),
  ('regexMatches', '"abc"', '"\\d"'), ('regexMatches', '"a\nb"', '"a.b"'),
  ('isIn', '"a"', '"A|b"'), ('isIn', '"A"', '"A|b"'), ('isIn', '"a|z"', '"A|b"'),
  ('isIn', '"x"', '["X","y"]'), ('isIn', '""', '""'), ('isIn', '5', '"5|6"'),
  ('isIn', '["a","b"]', '"a|b"'), ('isIn', '"a"', '5'),
  ('exists', '""', NULL), ('exists', '0', NULL), ('exists', 'false', NULL), ('exists', 'null', NULL),
  ('doesNotExist', '""', NULL), ('doesNotExist', '"x"', NULL),
  ('not_exists', 'null', '1'), ('not_exists', '"x"', '1')
) AS t(match, prop, value);

-- A missing key: false, negated or not, except for exists/doesNotExist.
SELECT match, value,
       convert.rules_match(pg_temp.el(match, value::jsonb, false), '{"other":1}') AS result,
       convert.rules_match(pg_temp.el(match, value::jsonb, true), '{"other":1}') AS negated
FROM (VALUES ('equals', '"US"'), ('matches', '"US"'), ('equalsNumber', '1'), ('less', '1'),
             ('lessEqual', '1'), ('contains', '""'), ('isIn', '"a"'), ('startsWith', '""'),
             ('endsWith', '""'), ('regexMatches', '"x*"'), ('exists', NULL),
             ('not_exists', '1'), ('doesNotExist', NULL)) AS t(match, value);

-- Every rule_type x match_type, negated and not: rule_type plays no part
-- in the evaluation, so each (match_type, negated) has one answer for all
-- 54 rule types on properties where every plain comparison holds.
WITH rule_types(rt) AS (
  SELECT unnest(ARRAY['generic_text_key_value', 'generic_numeric_key_value',
    'generic_bool_key_value', 'generic_key_value', 'cookie', 'url', 'url_with_query',
    'query_string', 'campaign', 'keyword', 'medium', 'source_name', 'city', 'region',
    'browser_version', 'user_agent', 'page_tag_page_type', 'page_tag_category_id',
    'page_tag_category_name', 'page_tag_product_sku', 'page_tag_product_name',
    'page_tag_customer_id', 'page_tag_custom_1', 'page_tag_custom_2', 'page_tag_custom_3',
    'page_tag_custom_4', 'visitor_id', 'weather_condition', 'avg_time_page',
    'days_since_last_visit', 'pages_visited_count', 'visit_duration', 'visits_count',
    'page_tag_product_price', 'local_time_day_of_week', 'project_time_day_of_week',
    'local_time_hour_of_day', 'project_time_hour_of_day', 'local_time_minute_of_hour',
    'project_time_minute_of_hour', 'is_desktop', 'is_mobile', 'is_tablet',
    'bucketed_into_experience', 'visitor_data_exists', 'js_condition', 'country', 'language',
    'visitor_type', 'goal_triggered', 'bucketed_into_segment', 'browser_name', 'os',
    'bucketed_into_experience_key'])),
matches(match, value, prop) AS (VALUES
  ('equals', '"chrome"', '"Chrome"'), ('matches', '"us"', '"US"'),
  ('equalsNumber', '10', '"10"'), ('less', '5', '"4"'), ('lessEqual', '5', '5'),
  ('contains', '"vert"', '"Convert"'), ('isIn', '"a|b"', '"b"'),
  ('startsWith', '"https"', '"HTTPS://x"'), ('endsWith', '"/x"', '"https://X"'),
  ('regexMatches', '"^mac"', '"MacOS"'), ('exists', NULL, '0'),
  ('not_exists', '0', '""'), ('doesNotExist', NULL, 'null'))
SELECT match, negated, count(*) AS rule_types,
       array_agg(DISTINCT convert.rules_match(pg_temp.el(match, value::jsonb, negated, rt),
                                              ('{"v":' || prop || '}')::jsonb)) AS results
FROM rule_types, matches, (VALUES (false), (true)) AS n(negated)
GROUP BY match, negated ORDER BY match, negated;

-- Rule types whose elements carry no key never find a property.
SELECT convert.rules_match(pg_temp.el('equals', '"https://x"', false, 'url', NULL),
                           '{"url":"https://x"}') AS url_without_key;

-- Property keys are case-sensitive; a numeric-looking key reads an array.
SELECT convert.rules_match(pg_temp.el('equals', '"US"', false, 'url', 'country'), '{"Country":"US"}') AS other_case,
       convert.rules_match(pg_temp.el('equals', '"b"', false, 'url', '1'), '["a","b"]') AS array_data,
       convert.rules_match(pg_temp.el('doesNotExist', NULL, false), '"not an object"') AS scalar_data,
       convert.rules_match(pg_temp.el('equals', '"US"', false, 'url', 'country'),
                           '{"name":"RuleData","country":"US"}') AS provider_quirk;

-- The tree: OR of ANDs of OR_WHENs; empty groups are false.
CREATE TEMP TABLE trees(name text, rules convert.rules);
INSERT INTO trees VALUES
  ('us_and_(n<5_or_n=9)_or_vip', '{"OR":[
     {"AND":[{"OR_WHEN":[{"rule_type":"country","key":"country","value":"US","matching":{"match_type":"matches","negated":false}}]},
             {"OR_WHEN":[{"rule_type":"generic_numeric_key_value","key":"n","value":5,"matching":{"match_type":"less","negated":false}},
                         {"rule_type":"generic_numeric_key_value","key":"n","value":9,"matching":{"match_type":"equalsNumber","negated":false}}]}]},
     {"AND":[{"OR_WHEN":[{"rule_type":"generic_bool_key_value","key":"vip","value":true,"matching":{"match_type":"equals","negated":false}}]}]}]}'),
  ('empty_or', '{"OR":[]}'),
  ('empty_and', '{"OR":[{"AND":[]}]}'),
  ('empty_or_when', '{"OR":[{"AND":[{"OR_WHEN":[]}]}]}');
SELECT t.name, p.props, convert.rules_match(t.rules, p.props) AS result
FROM trees t,
     (VALUES ('{"country":"us","n":9}'::jsonb), ('{"country":"us","n":7}'), ('{"country":"us","n":"4"}'),
             ('{"country":"de","vip":true}'), ('{"vip":"TRUE"}'), ('{}')) AS p(props)
ORDER BY t.name, p.props::text;

-- Several rules values in one query: the cache follows the argument.
SELECT t.name, convert.rules_match(t.rules, '{"country":"US","vip":false}') AS result
FROM trees t, generate_series(1, 2) ORDER BY t.name;

-- NULL in, NULL out.
SELECT convert.rules_match(NULL, '{}') AS null_rules,
       convert.rules_match('{"OR":[]}', NULL) AS null_properties;

-- Casts from json and jsonb (validated like text input) and back.
SELECT '{"OR":[]}'::json::convert.rules AS from_json,
       '{"OR":[]}'::jsonb::convert.rules AS from_jsonb,
       pg_temp.el('exists', NULL, false)::jsonb -> 'OR' -> 0 -> 'AND' -> 0 -> 'OR_WHEN' -> 0 AS to_jsonb;
CREATE TEMP TABLE stored(r convert.rules);
INSERT INTO stored VALUES ('{"OR":[]}'::jsonb);   -- assignment cast
SELECT r FROM stored;

-- Binary output: a version byte and the canonical JSON; binary COPY out
-- and back in (through a file in the data directory) keeps every value.
SELECT convert.rules_send('{"OR":[]}') AS send;
CREATE TEMP TABLE binary_in(r convert.rules);
SELECT current_setting('data_directory') || '/rules_regress.bin' AS binfile \gset
COPY (SELECT rules FROM trees ORDER BY name) TO :'binfile' (FORMAT binary);
COPY binary_in FROM :'binfile' (FORMAT binary);
SELECT r FROM binary_in;

-- The mutual-exclusion rule may omit negated; as a plain rule it is false.
SELECT convert.rules_match('{"OR":[{"AND":[{"OR_WHEN":[{"rule_type":"bucketed_into_experience_key",
         "value":"exp-a","matching":{"match_type":"equals"}}]}]}]}', '{"exp-a":"exp-a"}') AS mutual_exclusion;
