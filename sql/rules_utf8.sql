-- Non-ASCII rules and properties: JavaScript's toLowerCase (full mapping,
-- Final_Sigma, no case folding), UTF-16 string order, non-ASCII keys and
-- regular expressions, and the same answers in a LATIN1 database.
SET client_min_messages TO warning;   -- quiet whether or not it exists yet
CREATE EXTENSION IF NOT EXISTS convert;
RESET client_min_messages;
\pset null '(null)'

CREATE FUNCTION pg_temp.el(match text, value jsonb, negated boolean DEFAULT false, k text DEFAULT 'v')
RETURNS convert.rules LANGUAGE sql AS $$
  SELECT jsonb_build_object('OR', jsonb_build_array(jsonb_build_object('AND',
         jsonb_build_array(jsonb_build_object('OR_WHEN', jsonb_build_array(
           jsonb_build_object('rule_type', 'generic_text_key_value', 'key', k, 'value', value,
             'matching', jsonb_build_object('match_type', match, 'negated', negated))))))))::convert.rules
$$;

-- Canonical output keeps non-ASCII as UTF-8 and escapes control characters.
SELECT pg_temp.el('equals', '"Müller \u00e9\t\u0001 日本語 😀"');

-- Case-insensitive comparisons use toLowerCase(): İ becomes i̇ (two code
-- points), Σ at a word end becomes ς, ß stays ß (no case folding).
SELECT match, prop, value, convert.rules_match(pg_temp.el(match, value::jsonb), ('{"v":' || prop || '}')::jsonb) AS result
FROM (VALUES ('equals', '"İ"', '"i̇"'), ('equals', '"İ"', '"i"'), ('equals', '"ß"', '"SS"'),
             ('equals', '"STRASSE"', '"strasse"'), ('equals', '"ΟΔΟΣ"', '"οδος"'),
             ('equals', '"ΟΔΟΣ"', '"οδοσ"'), ('equals', '"ΣΑ"', '"σα"'), ('equals', '"ǅ"', '"ǆ"'),
             ('equals', '"Ⅻ"', '"ⅻ"'), ('equals', '"ﬀ"', '"FF"'), ('equals', '"Дом"', '"дОМ"'),
             ('equals', '"café"', '"cafe\u0301"'), ('matches', '"CAFÉ"', '"café"'),
             ('contains', '"İstanbul"', '"i̇st"'), ('contains', '"İstanbul"', '"ist"'),
             ('startsWith', '"ÀÉÎ"', '"àé"'), ('endsWith', '"日本語ユーザー"', '"ユーザー"'),
             ('contains', '"a\u00a0b"', '"\u00a0"'), ('contains', '"abc"', '"\u3000\u2028"'),
             ('isIn', '"é"', '"É|x"'), ('isIn', '"É"', '"É|x"'),
             ('equals', '"😀"', '"😀"'), ('contains', '"a😀b"', '"😀B"')) AS t(match, prop, value);

-- less / lessEqual order strings by UTF-16 code units, case-sensitively:
-- U+FF41 (ａ) sorts after U+1F600 (😀) in UTF-16, before it in code points.
SELECT prop, value, convert.rules_match(pg_temp.el('less', value::jsonb), ('{"v":' || prop || '}')::jsonb) AS less
FROM (VALUES ('"😀"', '"ａ"'), ('"ａ"', '"😀"'), ('"é"', '"z"'), ('"Z"', '"é"'),
             ('"日本"', '"日本語"'), ('"É"', '"é"')) AS t(prop, value);

-- regexMatches: the value is lower-cased, the pattern is JavaScript (flag i,
-- no u flag): \w and \b are ASCII, \s is JavaScript's white space, and
-- case-insensitivity follows Canonicalize (KELVIN SIGN is not k).
SELECT pattern, prop, convert.rules_match(pg_temp.el('regexMatches', to_jsonb(pattern)), ('{"v":' || prop || '}')::jsonb) AS result
FROM (VALUES ('^ÉCOLE$', '"École"'), ('^[à-ÿ]+$', '"ÉÀÎ"'), ('\w', '"é"'), ('\bx\b', '"éxé"'),
             ('a\sb', '"a\u00a0b"'), ('a\sb', '"a\u2028b"'), ('a.b', '"a\u2028b"'),
             ('K', '"k"'), ('k', '"K"'), ('σ', '"ΟΔΟΣ"'), ('^οδος$', '"ΟΔΟΣ"'),
             ('ß', '"SS"'), ('\u00e9', '"É"'), ('日本', '"日本語"'), ('^.$', '"é"'),
             ('(?<x>ü)\k<x>', '"ÜÜ"')) AS t(pattern, prop);

-- Non-ASCII property keys match exactly (no normalisation, case-sensitive).
SELECT k, props, convert.rules_match(pg_temp.el('exists', 'null', false, k), props::jsonb) AS result
FROM (VALUES ('名前', '{"名前":"x"}'), ('ключ', '{"Ключ":"x"}'), ('é', '{"e\u0301":"x"}'),
             ('é', '{"é":"x"}')) AS t(k, props);

-- A LATIN1 database gives the same answers (keys and values converted).
CREATE DATABASE convert_rules_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c convert_rules_latin1
SET client_encoding TO 'UTF8';
CREATE EXTENSION convert;
SELECT r, convert.rules_match(r::convert.rules, '{"straße":"MÜLLER","n":"1,5"}') AS result
FROM (VALUES ('{"OR":[{"AND":[{"OR_WHEN":[{"rule_type":"url","key":"straße","value":"müller","matching":{"match_type":"equals","negated":false}}]}]}]}'),
             ('{"OR":[{"AND":[{"OR_WHEN":[{"rule_type":"url","key":"straße","value":"^MÜL","matching":{"match_type":"regexMatches","negated":false}}]}]}]}'),
             ('{"OR":[{"AND":[{"OR_WHEN":[{"rule_type":"url","key":"straße","value":"ÿ","matching":{"match_type":"contains","negated":false}}]}]}]}')) AS t(r);
\c regression
DROP DATABASE convert_rules_latin1;
