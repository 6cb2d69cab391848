// Compatibility of rule evaluation with the official SDK.
//
// Generates rule trees (every rule_type and match_type, negated and not,
// nested OR/AND/OR_WHEN groups, empty groups) and property objects
// (numeric strings, case variants, unicode, arrays, objects, missing keys,
// non-object data), evaluates each pair with the SDK's own RuleManager
// (reached through an SDK instance) and compares with convert.rules_match.
// Regular expressions that JavaScript rejects must be rejected by
// convert.rules input.  Prints "rules compat: N passed, N failed" last.
import { copyRows, queryJson, sql } from './lib/db.mjs';
import { rng } from './lib/random.mjs';
import { createSdk, emptyConfig } from './lib/sdk.mjs';

const TREES = Number(process.env.COMPAT_RULE_TREES || 9000);
const r = rng(Number(process.env.COMPAT_SEED || 20261129));
const ruleManager = createSdk(emptyConfig())._dataManager._ruleManager;

const RULE_TYPES = [
  'generic_text_key_value', 'generic_numeric_key_value', 'generic_bool_key_value',
  'generic_key_value', 'cookie', 'url', 'url_with_query', 'query_string', 'campaign',
  'keyword', 'medium', 'source_name', 'city', 'region', 'browser_version', 'user_agent',
  'page_tag_page_type', 'page_tag_category_id', 'page_tag_category_name',
  'page_tag_product_sku', 'page_tag_product_name', 'page_tag_customer_id',
  'page_tag_custom_1', 'page_tag_custom_2', 'page_tag_custom_3', 'page_tag_custom_4',
  'visitor_id', 'weather_condition', 'avg_time_page', 'days_since_last_visit',
  'pages_visited_count', 'visit_duration', 'visits_count', 'page_tag_product_price',
  'local_time_day_of_week', 'project_time_day_of_week', 'local_time_hour_of_day',
  'project_time_hour_of_day', 'local_time_minute_of_hour', 'project_time_minute_of_hour',
  'is_desktop', 'is_mobile', 'is_tablet', 'bucketed_into_experience', 'visitor_data_exists',
  'js_condition', 'country', 'language', 'visitor_type', 'goal_triggered',
  'bucketed_into_segment', 'browser_name', 'os', 'bucketed_into_experience_key',
];
const MATCH_TYPES = ['equals', 'matches', 'equalsNumber', 'less', 'lessEqual', 'contains',
  'isIn', 'startsWith', 'endsWith', 'regexMatches', 'exists', 'not_exists', 'doesNotExist'];
const KEYS = ['country', 'Country', 'url', 'age', 'visits', 'tags', 'obj', 'flag', 'empty',
  'price', 'name', '0', '1', 'ключ', '名前', 'a b', 'missing'];

// Words whose case variants, prefixes and pieces make comparisons interesting.
const WORDS = ['US', 'us', 'Us', 'de', 'chrome', 'Chrome', 'https://convert.com/',
  'https://Convert.com/pricing?x=1', 'new', 'returning', 'Hello World', 'hello', '',
  ' ', '  ', '\t', '\u00a0', 'abc', 'ABD', 'B', 'a', 'A|b', 'a|z', 'x|y|Z', 'null',
  'true', 'TRUE', 'false', 'undefined', '[object Object]', 'İstanbul', 'i̇stanbul',
  'ß', 'SS', 'straße', 'ΑΣ', 'ας', 'ΣΑ', 'Σ', 'ς', 'σ', 'Ωμέγα', 'Дом', 'дом',
  'Ǆ', 'ǆ', 'ǅ', '日本語', 'ユーザー', '😀', 'a😀b', '\ue000', '𝔘𝔫𝔦',
  'café', 'CAFÉ', 'cafe\u0301', 'K', 'k', '\u212a', 'Ⅻ', 'ⅻ', 'ﬀ', 'FF',
  'line\nbreak', 'a,b', 'b,c', 'ab,cd', '1,2'];
const NUMERIC_STRINGS = ['1', '1.5', '-1', '.5', '-.5', '1,000', '1,000.50', '12,345,678.9',
  '0,500', '0,5', '-0,500', '0,500,000', '1,500', '10', '9', '10.0', '1.0', '122.5', '123',
  '+1', ' 1', ' 5', '1.', '1e3', '1,00', '1234,567', '0x10', 'Infinity', '-0', '00',
  '007', '1' + '0'.repeat(400), '0.1', '1e21', '100000000000000000000'];
const NUMBERS = [0, 1, -1, 0.5, 0.6, 1.5, 10, 9, 123, 122.5, 1000.5, 2000, 1e21, 1e20, 1e-7,
  0.000001, 123456789, 9007199254740993, -0, 3.14159, 1000, 6, 4, 100, 12345];
const REGEXES = ['^hello$', '^[a-z]+$', '^[A-Z]+$', '\\d+', '\\d', 'a.c', '^.$', '^..$',
  '(foo|bar)', '\\bworld\\b', 'x*', '\\s', '\\S+', '^\\s*$', '[^a]', '(a)\\1', '\\w+',
  '\\W', 'é', 'ß', 'σ', 'ς', '\\u00e9', '\\x41', 'a{2}', 'a{,2}', '{', ']', '}',
  '\\/', '(?=a)', '(?!a)b', '(?<!b)a', '(?<=a)b', '(?<n>a)\\k<n>', '\\k', '\\p{L}',
  '\\8', '\\0', '\\1', '.*', '^$', 'convert\\.com', 'https?://', '[\\d-z]', '[\\s]',
  '[\\S]', '[\\b]', '\\cA', '\\c', '\\a', '\\e', '\\Q', '[a-z', '(', ')', '*a', 'a**',
  '(?i)a', 'a++', 'a{2}{3}', '(?:)', '[]', '[^]', 'İ', 'i̇', '\\u0130', '^\\w+$', '[-a]',
  '\\.', '\\$', '$^', 'a|', '|', '(?<a>x)(?<a>y)', '\\v', '\\t', '[\\w-]+', 'a$', 'a\\n?$',
  '[\\u00e0-\\u00ff]', '^[^\\n]*$', '\\u{41}', 'u{2}', '\\u{2}', '(?:a|b)+?c', 'a{2,1}',
  '\\😀', '😀', '^.{2}$', 'ａ'];

// Pieces of patterns, joined at random: JavaScript decides which joins are
// valid.  (Lookbehind is left to REGEXES: PCRE2 rejects variable-length
// lookbehind, a documented difference.)
const REGEX_PIECES = ['[a-z]', '[A-Z]', '[à-ÿ]', '[^a-c]', '[\\d-z]', '[a-]', '[\\w\\s]', 'a', 'b',
  'A', 'é', 'É', 'ß', 'σ', 'Σ', 'ς', 'k', 'K', '\u212a', 's', 'ſ', '0', '1', '-', '_', ' ', '.',
  '\\.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\b', '\\B', '^', '$', '|', '(', ')',
  '(?:', '(?=', '(?!', '(?<n>', '\\k<n>', '\\1', '\\8', '\\0', '[', ']', '[^', '*', '+', '?',
  '{2}', '{1,}', '{,2}', '{', '}', '\\x41', '\\u00e9', '\\cA', '\\c', '\\n', '\\v', '\\/',
  '\\-', '\\a', '\\p{L}', '\\ud83d', '\\ude00', '😀', '日', 'ǅ', 'İ', 'ﬀ', 'Ⅻ', 'µ', 'ÿ', '\\'];

function randomRegex() {
  let p = '';
  for (let i = r.int(1, 6); i > 0; i--) p += r.pick(REGEX_PIECES);
  return p;
}

function pickWord() {
  return r.pick(WORDS);
}

function randomString() {
  switch (r.int(0, 5)) {
    case 0: return r.pick(NUMERIC_STRINGS);
    case 1: return pickWord() + pickWord();
    default: return pickWord();
  }
}

function randomScalar() {
  switch (r.int(0, 9)) {
    case 0: return r.pick(NUMBERS);
    case 1: return r.pick([true, false]);
    case 2: return null;
    case 3: return r.pick(NUMERIC_STRINGS);
    default: return randomString();
  }
}

function randomJson(depth = 0) {
  const kind = depth > 1 ? 0 : r.int(0, 11);
  if (kind === 10) {
    const n = r.int(0, 3);
    return Array.from({ length: n }, () => randomJson(depth + 1));
  }
  if (kind === 11) {
    const o = {};
    for (let i = r.int(0, 3); i > 0; i--) o[r.pick([...KEYS, ...WORDS.slice(0, 10)])] = randomJson(depth + 1);
    return o;
  }
  return randomScalar();
}

// A rule value suited to the match type (mostly), sometimes anything.
function randomRuleValue(match, props) {
  if (r.int(0, 6) === 0) return randomJson();
  // Often compare with something the properties really hold.
  const keys = props && typeof props === 'object' ? Object.keys(props) : [];
  if (keys.length && r.int(0, 2) === 0) {
    const v = props[r.pick(keys)];
    if (typeof v === 'string' && r.int(0, 1)) {
      // Cut between code points: a lone surrogate cannot be stored (docs/sdk-compatibility.md).
      const cps = Array.from(v);
      const cut = r.int(0, cps.length);
      const piece = r.pick([v, v.toUpperCase(), v.toLowerCase(),
        cps.slice(0, cut).join(''), cps.slice(cut).join('')]);
      return match === 'isIn' ? piece + '|' + randomString() : piece;
    }
    if (v !== undefined && (v === null || typeof v !== 'object')) return v;
  }
  switch (match) {
    case 'regexMatches': return r.int(0, 1) ? r.pick(REGEXES) : randomRegex();
    case 'isIn':
      return r.int(0, 4) === 0
        ? Array.from({ length: r.int(0, 3) }, () => randomScalar())
        : Array.from({ length: r.int(1, 3) }, () => randomString()).join('|');
    case 'less': case 'lessEqual': case 'equalsNumber':
      return r.pick([r.pick(NUMBERS), r.pick(NUMERIC_STRINGS), randomString()]);
    default: return randomScalar();
  }
}

function randomElement(props) {
  const match = r.pick(MATCH_TYPES);
  const e = { rule_type: r.pick(RULE_TYPES) };
  if (r.int(0, 9) > 0) e.key = r.pick(props && typeof props === 'object' && r.int(0, 1)
    ? [...Object.keys(props), 'missing'] : KEYS);
  const existence = match === 'exists' || match === 'doesNotExist';
  if (!existence || r.int(0, 1)) e.value = randomRuleValue(match, props);
  e.matching = { match_type: match, negated: r.int(0, 2) === 0 };
  return e;
}

function randomTree(props) {
  // Half the trees hold one element, so that each comparator's own answer
  // shows (in bigger trees OR/AND can hide a wrong element).
  if (r.int(0, 1) === 0) return { OR: [{ AND: [{ OR_WHEN: [randomElement(props)] }] }] };
  const block = (lo, hi, make) => Array.from({ length: r.int(lo, hi) }, make);
  const sizes = r.int(0, 20) === 0 ? [0, 2] : [1, 3];
  return {
    OR: block(sizes[0], sizes[1], () => ({
      AND: block(sizes[0], sizes[1], () => ({
        OR_WHEN: block(sizes[0], sizes[1], () => randomElement(props)),
      })),
    })),
  };
}

function randomProperties() {
  const kind = r.int(0, 40);
  if (kind === 0) return r.pick([null, 1, 'x', true, []]);
  if (kind === 1) return ['US', 'x', { a: 1 }];
  const props = {};
  for (let i = r.int(0, 6); i > 0; i--) props[r.pick(KEYS)] = randomJson();
  if (kind === 2) props.name = 'RuleData';      // the SDK's provider quirk
  return props;
}

function jsRegexValid(pattern) {
  try {
    new RegExp(String(pattern), 'i');
    return true;
  } catch {
    return false;
  }
}

// Would convert.rules reject this tree?  Only through its regexes here:
// everything else generated is well-formed.
function treeValid(tree) {
  for (const a of tree.OR) for (const o of a.AND) for (const e of o.OR_WHEN) {
    if (e.matching.match_type === 'regexMatches' && 'value' in e && !jsRegexValid(e.value)) {
      return false;
    }
  }
  return true;
}

function sdkResult(props, tree) {
  const result = ruleManager.isRuleMatched(props, tree);
  if (result === true) return 't';
  if (result === false) return 'f';
  return 'n';                                  // a RuleError: needs more data
}

const rows = [];
let n = 0;
for (let t = 0; t < TREES; t++) {
  const firstProps = randomProperties();
  const tree = randomTree(firstProps);
  const treeText = JSON.stringify(tree);
  const valid = treeValid(tree);
  // Several property sets per tree: the compiled rules are reused.
  const propSets = [firstProps, ...Array.from({ length: r.int(0, 3) }, randomProperties)];
  for (const p of propSets) {
    const propsText = JSON.stringify(p);
    // The SDK sees exactly what JSON.parse makes of the texts.
    const expected = valid ? sdkResult(JSON.parse(propsText), JSON.parse(treeText)) : 'invalid';
    rows.push([n++, t, treeText, propsText, expected]);
  }
}

sql(`DROP TABLE IF EXISTS compat_rules;
     CREATE TABLE compat_rules(n int, tree int, rules text, properties jsonb, sdk text);
     CREATE OR REPLACE FUNCTION compat_try_rules(t text) RETURNS convert.rules
     LANGUAGE plpgsql AS $$
     BEGIN
       RETURN t::convert.rules;
     EXCEPTION WHEN invalid_text_representation THEN
       RETURN NULL;
     END $$;`);
copyRows('compat_rules', ['n', 'tree', 'rules', 'properties', 'sdk'], rows);

const mismatches = queryJson(`
  WITH compiled AS (
    SELECT tree, compat_try_rules(min(rules)) AS compiled
    FROM compat_rules GROUP BY tree),
  ours AS (
    SELECT c.*, CASE WHEN k.compiled IS NULL THEN 'invalid'
                     ELSE coalesce(convert.rules_match(k.compiled, c.properties)::text, 'n')
                END AS ours
    FROM compat_rules c JOIN compiled k USING (tree))
  SELECT n, left(rules, 1500) AS rules, properties, sdk, left(ours, 1) AS ours
  FROM ours
  WHERE sdk <> CASE ours WHEN 'true' THEN 't' WHEN 'false' THEN 'f' ELSE ours END
  ORDER BY n`);

const [stats] = queryJson(`
  SELECT count(*) AS compared, count(*) FILTER (WHERE sdk = 't') AS matched,
         count(*) FILTER (WHERE sdk = 'invalid') AS invalid,
         count(DISTINCT tree) AS trees
  FROM compat_rules`);

for (const m of mismatches.slice(0, 15)) console.log('MISMATCH', JSON.stringify(m));
console.log(`compared ${stats.compared} (rules, properties) cases over ${stats.trees} rule trees ` +
  `(${stats.matched} true, ${stats.invalid} with a regex JavaScript rejects): ` +
  `${mismatches.length} mismatches`);
sql('DROP TABLE compat_rules; DROP FUNCTION compat_try_rules(text)');
console.log(`rules compat: ${stats.compared - mismatches.length} passed, ${mismatches.length} failed`);
process.exit(mismatches.length === 0 ? 0 : 1);
