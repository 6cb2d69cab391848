-- Invalid convert.rules input: every kind is rejected with SQLSTATE 22P02,
-- a message naming the JSON path and the problem, and a hint where one helps.
SET client_min_messages TO warning;   -- quiet whether or not it exists yet
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'

-- The error a text raises as convert.rules, as one line.
CREATE FUNCTION pg_temp.rules_error(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text; msg text; hint text;
BEGIN
  PERFORM t::convert.rules;
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN state || ': ' || msg || CASE WHEN hint <> '' THEN ' [hint: ' || left(hint, 60) || ']' ELSE '' END;
END $$;

-- A rule element with one member replaced (or removed, when NULL).
CREATE FUNCTION pg_temp.element_with(member text, value jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT jsonb_build_object('OR', jsonb_build_array(jsonb_build_object('AND', jsonb_build_array(
           jsonb_build_object('OR_WHEN', jsonb_build_array(
             CASE WHEN value IS NULL
                  THEN '{"rule_type":"url","key":"url","value":"x","matching":{"match_type":"contains","negated":false}}'::jsonb
                       #- string_to_array(member, '.')
                  ELSE jsonb_set('{"rule_type":"url","key":"url","value":"x","matching":{"match_type":"contains","negated":false}}'::jsonb,
                                 string_to_array(member, '.'), value, true)
             END))))))::text
$$;

-- Not JSON, or not only JSON.
SELECT input, pg_temp.rules_error(input) AS error
FROM (VALUES (''), ('   '), ('{'), ('{"OR":[]'), ('{"OR":[]} x'), ('{"OR":[]}{"OR":[]}'),
             ('{''OR'':[]}'), ('{"OR":[NaN]}'), ('{"OR":[Infinity]}'), ('{"OR":[01]}'),
             ('{"OR":[1.]}'), ('{"OR":[1e400]}'), ('{"OR":[,]}'), ('{"OR":[1,]}'),
             ('{"OR":["\x"]}'), ('{"OR":["\ud800"]}'), ('{"OR":["\udc00x"]}'),
             ('{"OR":[], "\u0000":1}'), (repeat('[', 100) || repeat(']', 100))) AS t(input);

-- The wrong shape at each level.
SELECT input, pg_temp.rules_error(input) AS error
FROM (VALUES ('null'), ('[]'), ('"OR"'), ('{}'), ('{"or":[]}'), ('{"OR":null}'), ('{"OR":{}}'),
             ('{"OR":[],"AND":[]}'), ('{"OR":[5]}'), ('{"OR":[{}]}'), ('{"OR":[{"AND":{}}]}'),
             ('{"OR":[{"AND":[],"OR_WHEN":[]}]}'), ('{"OR":[{"AND":[null]}]}'),
             ('{"OR":[{"AND":[{"OR_WHEN":null}]}]}'), ('{"OR":[{"AND":[{"OR_WHEN":["rule"]}]}]}'),
             ('{"OR":[{"AND":[{}]}, {"AND":[{"OR_WHEN":[]}]}]}')) AS t(input);

-- Each member of a rule element missing, of the wrong type or unknown.
SELECT member, value, pg_temp.rules_error(pg_temp.element_with(member, value::jsonb)) AS error
FROM (VALUES ('rule_type', NULL), ('rule_type', '7'), ('rule_type', '"URL"'), ('rule_type', '"page_tag_custom_5"'),
             ('key', NULL), ('key', '5'), ('key', 'null'), ('value', NULL), ('value', 'null'),
             ('matching', NULL), ('matching', 'null'), ('matching', '[]'), ('matching', '"contains"'),
             ('matching.match_type', NULL), ('matching.match_type', '1'), ('matching.match_type', '"equalz"'),
             ('matching.match_type', '"Contains"'), ('matching.match_type', '"_returnNegationCheck"'),
             ('matching.match_type', '"greater"'), ('matching.negated', NULL),
             ('matching.negated', '"false"'), ('matching.negated', '0'), ('matching.negated', 'null'),
             ('matching.extra', '1'), ('note', '"x"')) AS t(member, value);

-- The path names the failing element wherever it is.
SELECT pg_temp.rules_error('{"OR":[{"AND":[{"OR_WHEN":[]}]},{"AND":[{"OR_WHEN":[]},{"OR_WHEN":[
  {"rule_type":"url","key":"u","value":"x","matching":{"match_type":"contains","negated":false}},
  {"rule_type":"url","key":"u","value":"x","matching":{"match_type":"equalz","negated":false}}]}]}]}') AS error;

-- A value is required except by exists and doesNotExist (not_exists needs one).
SELECT match, pg_temp.rules_error((pg_temp.element_with('matching.match_type', to_jsonb(match))::jsonb
                                   #- '{OR,0,AND,0,OR_WHEN,0,value}')::text) AS error
FROM unnest(ARRAY['exists', 'doesNotExist', 'not_exists', 'equals', 'isIn']) AS match;

-- Regular expressions JavaScript rejects are rejected.
SELECT pattern, pg_temp.rules_error(jsonb_set(pg_temp.element_with('matching.match_type', '"regexMatches"')::jsonb,
                                              '{OR,0,AND,0,OR_WHEN,0,value}', to_jsonb(pattern))::text) AS error
FROM (VALUES ('('), (')'), ('[a'), ('a**'), ('*a'), ('a++'), ('a{2}{3}'), ('(?i)a'), ('(?#x)'),
             ('(?P<n>a)'), ('a{2,1}'), ('[z-a]'), ('\'), ('(?<a>x)(?<a>y)'), ('^*'),
             ('a|b'), ('\d+\.\d*'), ('(?<n>a)\k<n>'), ('[^]'), ('\8')) AS t(pattern);

-- Errors raised through the casts and the full error report.
SELECT '{"OR":[5]}'::jsonb::convert.rules;
SELECT '{"OR":[{"AND":[{"OR_WHEN":[{"rule_type":"generic_key_value","key":"a","value":"X",
         "matching":{"match_type":"equalz","negated":false}}]}]}]}'::json::convert.rules;
SELECT '{"OR":[{"AND":[{"OR_WHEN":[{"rule_type":"urll","value":"X",
         "matching":{"match_type":"equals","negated":false}}]}]}]}'::convert.rules;
