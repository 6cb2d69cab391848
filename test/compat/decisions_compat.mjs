// Compatibility of decisions (convert.run_experience, run_experiences,
// run_feature, run_features) with the official SDK.
//
// Generates project configs (several experiences each; locations,
// site_area, permanent and transient audiences, custom segments, uneven
// and stopped variations, archived and draft/paused experiences,
// environments, duplicate and missing keys, features with variables of
// every type) and cases (visitor id, visitor and location properties,
// environment, stored bucketing and custom segments, forced variations,
// typeCasting, experienceKeys).  Each case runs through a fresh SDK
// instance (data mode, tracking off; stored state put in its store first,
// then the visitor properties given to createContext, which moves their
// report segments into the store) and through our SQL functions; the full
// result objects must be equal.
//
// The pinned SDK (4.4.3) only knows the packed layout: for experiences
// whose version selects the anchored layout (> 11) its bucket selection is
// replaced by the anchored layout of docs/sdk-behaviour.md (the hash, rules,
// stored/forced logic and result objects stay the SDK's own code).
// Prints "decisions compat: N passed, N failed" last.
import { copyRows, queryJson, sql } from './lib/db.mjs';
import { randomId, rng } from './lib/random.mjs';
import { createSdk } from './lib/sdk.mjs';

const CONFIGS = Number(process.env.COMPAT_DECISION_CONFIGS || 400);
const CASES_PER_CONFIG = Number(process.env.COMPAT_DECISION_CASES || 60);
const r = rng(Number(process.env.COMPAT_SEED || 20261130));
const maybe = (p) => r.next() < p;

// ---- rules ----

const PROPS = {
  country: ['US', 'us', 'DE', 'FR', 'de', ''],
  browser: ['chrome', 'Chrome', 'firefox', 'safari'],
  plan: ['free', 'pro', 'Enterprise', 'pro|team'],
  age: [5, 17, 18, 30, '30', '18.5', 65, '1,000', 'old'],
  visits: [0, 1, 2, 10, '10', -1],
  flag: [true, false, 'true', 'TRUE', 0, 1],
  tags: [['a', 'b'], ['vip'], [], 'vip'],
  url: ['https://convert.com/', 'https://convert.com/pricing', 'https://Convert.com/blog?x=1', 'http://example.org/'],
  page: ['checkout', 'home', 'Checkout', 'cart'],
  // Report segments (the SDK's SegmentsKeys besides country and browser).
  devices: [['DESK'], ['IPH', 'ALLPH'], [], ['DESK', 'DESK'], 'DESK'],
  source: ['campaign', 'search', 'direct', ''],
  campaign: ['spring-sale', 'Spring', ''],
  visitorType: ['new', 'returning', 'New'],
  customSegments: ['4000', '999999', '400001'],   // rule values (cases list real ids)
};
const TEXT_MATCH = ['matches', 'contains', 'startsWith', 'endsWith', 'regexMatches', 'equals', 'isIn'];
const REGEXES = ['^us$', 'convert\\.com', '^https?://', 'pro', '\\d+', '^[a-z]+$'];

function ruleElement(keys) {
  const key = r.pick(keys);
  const negated = maybe(0.2);
  const kind = r.int(0, 9);
  let match, value;
  if (kind <= 3) {
    match = r.pick(TEXT_MATCH);
    value = match === 'regexMatches' ? r.pick(REGEXES)
      : match === 'isIn' ? r.pick(['us|de', 'PRO|free', 'chrome|Safari', 'checkout|cart'])
        : String(r.pick(PROPS[key] || ['x']));
    if (match !== 'regexMatches' && maybe(0.3)) value = value.slice(0, r.int(0, value.length));
  } else if (kind <= 6) {
    match = r.pick(['less', 'lessEqual', 'equalsNumber']);
    value = r.pick([18, 30, '18', 2, 10, 1000, 0.5]);
  } else if (kind === 7) {
    match = 'equals';
    value = r.pick([true, false, 'true']);
  } else {
    match = r.pick(['exists', 'doesNotExist']);
  }
  const el = { rule_type: r.pick(['generic_text_key_value', 'generic_numeric_key_value', 'generic_bool_key_value', 'cookie']),
    key, matching: { match_type: match, negated } };
  if (value !== undefined || maybe(0.5)) el.value = value === undefined ? 'x' : value;
  return el;
}

function ruleTree(keys) {
  const or = [];
  for (let i = r.int(1, 3); i > 0; i--) {
    const and = [];
    for (let j = r.int(1, 2) - (maybe(0.5) ? 1 : 0); j > 0; j--) {
      const orWhen = [];
      for (let k = r.int(1, 3); k > 0; k--) orWhen.push(ruleElement(keys));
      and.push({ OR_WHEN: orWhen });
    }
    or.push({ AND: and });
  }
  return { OR: or };
}

// The SDK's report segments: createContext moves them from the visitor
// properties into the visitor's stored segments (customSegments being the
// ids segment targeting checks), then merges them back under the rest.
const REPORT_KEYS = ['country', 'browser', 'devices', 'source', 'campaign', 'visitorType',
  'customSegments'];
const VISITOR_KEYS = ['country', 'browser', 'plan', 'age', 'visits', 'flag', 'tags',
  'devices', 'source', 'campaign', 'visitorType', 'customSegments'];
const LOCATION_KEYS = ['url', 'page'];

// ---- configs ----

const VARIABLE_TYPES = ['boolean', 'integer', 'float', 'string', 'json'];
const VARIABLE_VALUES = ['true', 'false', 'TRUE', '0', '', '12.5abc', ' 42 ', '0x1A', '1e3',
  '08', 'abc', '{"a":1}', '[1,2]', 'null', '"quoted"', '-12.9', 'Infinity', ' -0x10 ',
  true, false, 0, 1, 12.9, -12.9, 1e21, 123456789012345678901234, 0.1, null, { a: 1 }, [1, 2], [], {}];

function makeFeatures(n) {
  const features = [];
  for (let i = 0; i < n; i++) {
    const id = maybe(0.15) ? r.pick(['abc', '07', '4294967295']) : String(r.int(1, 99999));
    const variables = [];
    for (const t of VARIABLE_TYPES) if (maybe(0.8)) variables.push({ key: `v_${t}`, type: t });
    if (maybe(0.3)) variables.push({ key: 'v_untyped' });
    if (maybe(0.2)) variables.push({ key: 'v_other', type: 'color' });
    features.push({ id, key: `feature-${i}`, name: `Feature ${i}`, variables });
  }
  if (n > 1 && maybe(0.1)) features[n - 1].id = features[0].id;   // duplicate id: last wins
  return features;
}

function variablesData() {
  const data = {};
  for (const name of ['v_boolean', 'v_integer', 'v_float', 'v_string', 'v_json', 'v_untyped', 'v_other']) {
    if (maybe(0.7)) data[name] = r.pick(VARIABLE_VALUES);
  }
  return data;
}

function makeChanges(features) {
  const changes = [];
  for (let i = r.int(0, 3); i > 0; i--) {
    if (maybe(0.2)) {
      changes.push({ id: r.int(1, 1e6), type: 'defaultCode', data: { css: 'a{}', js: null } });
      continue;
    }
    const feature = features.length && maybe(0.85) ? r.pick(features) : null;
    let featureId = feature ? (/^\d+$/.test(feature.id) && maybe(0.8) ? Number(feature.id) : feature.id) : r.int(1, 99999);
    if (maybe(0.05)) featureId = r.pick([0, '', null]);
    const data = { feature_id: featureId };
    if (!maybe(0.1)) data.variables_data = maybe(0.1) ? r.pick([null, {}, []]) : variablesData();
    changes.push({ id: r.int(1, 1e6), type: 'fullStackFeature', data });
  }
  return changes;
}

function allocation() {
  switch (r.int(0, 9)) {
    case 0: return undefined;
    case 1: return 0;
    case 2: return '50';
    case 3: return r.int(1, 10000) / 100;
    case 4: return 100 / 3;
    default: return r.pick([10, 25, 33.3, 50, 50, 70, 100, 0.07, 99.93]);
  }
}

function makeVariations(expIndex) {
  const variations = [];
  for (let i = r.int(0, 4); i > 0; i--) {
    const id = maybe(0.15) ? r.pick(['O', 'V1', String(r.int(1, 500)), '0' + r.int(1, 9)])
      : String(1000000000 + expIndex * 100 + r.int(0, 99));
    // A JSON number id: the SDK buckets into it but cannot look it up.
    const v = { id: maybe(0.02) ? Number(id.replace(/\D/g, '') || 7) : id,
      key: `${id}-variation`, name: `Variation ${variations.length}` };
    const a = allocation();
    if (a !== undefined) v.traffic_allocation = a;
    const status = r.pick([undefined, 'running', 'running', 'running', 'stopped']);
    if (status !== undefined) v.status = status;
    if (maybe(0.3)) v.is_baseline = variations.length === 0;
    // Variation fields are spread over the result: they override ours.
    if (maybe(0.03)) v.bucketingAllocation = 'own';
    if (maybe(0.03)) v.experienceName = 'named by the variation';
    variations.push(v);
  }
  return variations;
}

function subset(list, p) {
  return list.filter(() => maybe(p));
}

function makeConfig(cid) {
  const locations = [];
  for (let i = r.int(0, 4); i > 0; i--) {
    locations.push({ id: String(200000 + cid * 10 + locations.length), key: `loc-${locations.length}`,
      name: `Location ${locations.length}`, trigger: { type: 'upon_run' },
      rules: maybe(0.1) ? null : ruleTree(LOCATION_KEYS) });
  }
  const audiences = [];
  for (let i = r.int(0, 5); i > 0; i--) {
    audiences.push({ id: String(300000 + cid * 10 + audiences.length), key: `aud-${audiences.length}`,
      name: `Audience ${audiences.length}`, type: r.pick(['permanent', 'transient', 'transient']),
      rules: maybe(0.1) ? null : ruleTree(VISITOR_KEYS) });
  }
  const segments = [];
  for (let i = r.int(0, 3); i > 0; i--) {
    segments.push({ id: String(400000 + cid * 10 + segments.length), key: `seg-${segments.length}`,
      name: `Segment ${segments.length}`, rules: maybe(0.5) ? null : ruleTree(VISITOR_KEYS) });
  }
  const features = makeFeatures(r.int(0, 4));
  const experiences = [];
  const n = r.int(2, 6);
  for (let i = 0; i < n; i++) {
    const e = {
      id: maybe(0.05) ? 100000000 + cid * 10 + i : String(100000000 + cid * 10 + i),
      name: `Experience ${i}`,
      key: `exp-${i}`,
      type: r.pick(['a/b_fullstack', 'feature_rollout', 'a/b']),
      status: r.pick(['active', 'active', 'active', 'draft', 'paused', 'completed']),
      goals: [],
      settings: { matching_options: { audiences: r.pick(['any', 'all']), locations: 'any' } },
    };
    const version = r.pick([undefined, 11, 11, 6, 12, '12', 11.5, null]);
    if (version !== undefined) e.version = version;
    const env = r.pick([undefined, undefined, '', 'staging', 'production', 'Production']);
    if (env !== undefined) e.environment = env;
    if (locations.length && maybe(0.4)) e.locations = subset(locations, 0.7).map((l) => l.id);
    else if (maybe(0.15)) e.locations = maybe(0.7) ? [] : ['999999'];
    if (!e.locations?.length && maybe(0.25)) e.site_area = ruleTree(LOCATION_KEYS);
    else if (maybe(0.2)) e.site_area = null;
    if (maybe(0.5)) {
      e.audiences = [...subset(audiences, 0.5), ...subset(segments, 0.4)].map((x) => x.id);
      if (maybe(0.1)) e.audiences.push('888888');
    }
    e.variations = makeVariations(cid * 10 + i);
    for (const v of e.variations) v.changes = makeChanges(features);
    if (maybe(0.08)) delete e.key;
    else if (maybe(0.03)) e.key = r.pick([null, 42, 'undefined']);
    experiences.push(e);
  }
  if (maybe(0.15)) experiences[n - 1].key = experiences[0].key;   // duplicate key
  return {
    account_id: '10022898',
    project: { id: String(10025986 + cid), name: 'Project', type: 'fullstack' },
    experiences, locations, audiences, segments, features, goals: [],
    archived_experiences: subset(experiences, 0.1).map((e) => (maybe(0.2) ? Number(e.id) : e.id)),
    is_debug: false,
  };
}

// ---- the anchored layout (docs/sdk-behaviour.md), for version > 11 ----

function isNanJs(x) { return Number.isNaN(Number(x)); }
function anchoredSelect(variations, value) {
  const entries = [];
  for (const v of variations) {
    if (!v?.id) continue;
    const alloc = isNanJs(v.traffic_allocation) ? 100 : Number(v.traffic_allocation);
    const statusOk = !v.status || v.status === 'running';
    const allocOk = v.traffic_allocation > 0 || isNanJs(v.traffic_allocation);
    entries.push({ id: v.id, alloc, active: statusOk && allocOk });
  }
  let total = 0;
  for (const e of entries) total = total + e.alloc;
  if (!(total > 0)) return null;
  let cum = 0;
  for (const e of entries) {
    const anchor = (cum / total) * 10000;
    const width = e.active ? e.alloc * 100 : 0;
    if (value >= anchor && value < anchor + width) return String(e.id);
    cum = cum + e.alloc;
  }
  return null;
}

function withAnchoredLayout(sdk, config) {
  const bm = sdk._dataManager._bucketingManager;
  const packed = bm.getBucketForVisitor.bind(bm);
  bm.getBucketForVisitor = (buckets, visitorId, options) => {
    const exp = config.experiences.find((e) => String(e.id) === options?.experienceId);
    if (exp && Number(exp.version) > 11) {
      const value = bm.getValueVisitorBased(visitorId, options);
      const id = anchoredSelect(exp.variations, value);
      return id ? { variationId: id, bucketingAllocation: value } : null;
    }
    return packed(buckets, visitorId, options);
  };
}

// ---- cases ----

// Segment ids as an app passes them: the config's, unknown ones, a
// repeated one, and rarely a number (never equal to a string id); now and
// then a string instead of a list (the SDK searches it for ids as text).
function customSegments(config) {
  const ids = subset(config.segments, 0.5).map((s) => s.id);
  if (maybe(0.3)) ids.push(r.pick(['999999', '4000', 'seg-0']));
  if (maybe(0.08)) return ids.join(r.pick([',', ' ', '']));
  if (ids.length && maybe(0.1)) ids.push(ids[0]);
  if (config.segments.length && maybe(0.05)) ids.push(Number(config.segments[0].id));
  return ids;
}

function propValue(config, key) {
  return key === 'customSegments' ? customSegments(config) : r.pick(PROPS[key]);
}

// A quarter of them without report segments (those may go through either
// SDK entry point, createContext or the run call's visitorProperties).
function visitorProperties(config) {
  if (maybe(0.1)) return undefined;
  const keys = maybe(0.25) ? VISITOR_KEYS.filter((k) => !REPORT_KEYS.includes(k)) : VISITOR_KEYS;
  const props = {};
  for (const k of keys) if (maybe(0.5)) props[k] = propValue(config, k);
  return props;
}

function locationProperties() {
  if (maybe(0.05)) return undefined;
  if (maybe(0.05)) return {};
  const props = {};
  for (const k of LOCATION_KEYS) if (maybe(0.8)) props[k] = r.pick(PROPS[k]);
  return props;
}

function variationIdsOf(config) {
  return config.experiences.flatMap((e) => e.variations.map((v) => v.id));
}

function storedState(config) {
  const state = {};
  if (maybe(0.3)) {
    state.bucketing = {};
    for (const e of config.experiences) {
      if (!maybe(0.5)) continue;
      state.bucketing[e.id] = maybe(0.8) && e.variations.length ? r.pick(e.variations).id
        : r.pick(['1', 'gone', '']);
    }
  }
  if (maybe(0.4)) {
    // The stored segments: report segments, and other properties an
    // integration stored with updateVisitorProperties.
    state.segments = {};
    if (maybe(0.8)) state.segments.customSegments = customSegments(config);
    for (const k of REPORT_KEYS) if (k !== 'customSegments' && maybe(0.35)) state.segments[k] = propValue(config, k);
    for (const k of ['plan', 'age', 'tags']) if (maybe(0.3)) state.segments[k] = propValue(config, k);
  }
  return state;
}

function hasReportSegments(props) {
  return props !== undefined && REPORT_KEYS.some((k) => k in props);
}

// The SDK keeps the store record as it is when createContext's report
// segments equal it exactly: make that happen now and then.
function reportSegmentsAsStored(c) {
  const stored = c.attrs.segments;
  if (Object.keys(c.attrs).length !== 1 || !stored || !Object.keys(stored).every((k) => REPORT_KEYS.includes(k))) return;
  const props = Object.fromEntries(Object.entries(c.vprops || {}).filter(([k]) => !REPORT_KEYS.includes(k)));
  c.vprops = { ...props, ...structuredClone(stored) };
}

function makeCase(config, cid) {
  const rawKeys = config.experiences.map((e) => e.key).filter((k) => k !== undefined);
  const keys = rawKeys.map(String);   // a key argument is text: String(key) finds it
  const featureKeys = config.features.map((f) => f.key);
  const kind = r.pick(['exp', 'exp', 'exp', 'exps', 'feat', 'feat', 'feats']);
  const c = {
    cid, kind,
    visitor: maybe(0.01) ? '' : (maybe(0.5) ? 'visitor-' + r.int(0, 1e6) : randomId(r)),
    vprops: visitorProperties(config),
    lprops: locationProperties(),
    env: r.pick([null, null, 'staging', 'production', 'Production', '']),
    envViaAttribute: maybe(0.5),
    attrs: {},
  };
  if (c.visitor === '' && maybe(0.99)) c.visitor = 'v';
  if (kind === 'exp') c.key = maybe(0.05) ? 'no-such-experience' : (keys.length ? r.pick(keys) : 'undefined');
  if (kind === 'feat') c.key = maybe(0.1) || !featureKeys.length ? 'no-such-feature' : r.pick(featureKeys);
  const state = storedState(config);
  Object.assign(c.attrs, state);
  if (maybe(0.05)) reportSegmentsAsStored(c);
  // Our visitor_properties are createContext's; without report segments
  // the run call's visitorProperties are the same thing.
  c.viaContext = hasReportSegments(c.vprops) || maybe(0.5);
  if ((kind === 'exp' || kind === 'exps') && maybe(0.15)) {
    const ids = variationIdsOf(config);
    c.attrs.forceVariationId = ids.length && maybe(0.8) ? r.pick(ids) : 'nope';
  }
  if ((kind === 'exp' || kind === 'exps') && maybe(0.15)) c.attrs.ignoreLocationProperties = maybe(0.8) ? true : 'true';
  if ((kind === 'feat' || kind === 'feats') && maybe(0.2)) c.attrs.typeCasting = r.pick([false, true, null, 0]);
  // experienceKeys is typed Array<string> by the SDK (and here).
  const stringKeys = rawKeys.filter((k) => typeof k === 'string');
  if (kind === 'feat' && maybe(0.3) && stringKeys.length) c.attrs.experienceKeys = subset(stringKeys, 0.5);
  // Accepted without effect on the answer: the SDK's store and tracking only.
  if (maybe(0.1)) c.attrs.updateVisitorProperties = true;
  if (maybe(0.05)) c.attrs.enableTracking = false;
  return c;
}

// The SDK's answer: a fresh instance, the stored state put in its store.
function sdkAnswer(config, c) {
  const data = structuredClone(config);
  const options = c.env && !c.envViaAttribute ? { environment: c.env } : {};
  const sdk = createSdk(data, options);
  withAnchoredLayout(sdk, data);
  // The visitor's stored record exists before the context is created.
  if (c.attrs.bucketing || c.attrs.segments) {
    sdk._dataManager.putData(c.visitor, structuredClone({
      ...(c.attrs.bucketing ? { bucketing: c.attrs.bucketing } : {}),
      ...(c.attrs.segments ? { segments: c.attrs.segments } : {}),
    }));
  }
  const ctx = sdk.createContext(c.visitor, c.viaContext ? structuredClone(c.vprops) : undefined);
  const attributes = {};
  if (c.vprops !== undefined && !c.viaContext) attributes.visitorProperties = c.vprops;
  if (c.lprops !== undefined) attributes.locationProperties = c.lprops;
  if (c.env && c.envViaAttribute) attributes.environment = c.env;
  for (const k of ['forceVariationId', 'ignoreLocationProperties', 'typeCasting', 'experienceKeys',
    'updateVisitorProperties', 'enableTracking']) {
    if (k in c.attrs) attributes[k] = c.attrs[k];
  }
  let result;
  switch (c.kind) {
    case 'exp': result = ctx.runExperience(c.key, attributes); break;
    case 'exps': result = ctx.runExperiences(attributes); break;
    case 'feat': result = ctx.runFeature(c.key, attributes); break;
    default: result = ctx.runFeatures(attributes);
  }
  // No visitor id: the SDK answers undefined; a set-returning function no rows.
  if (result === undefined) return c.kind === 'exps' || c.kind === 'feats' ? [] : null;
  return JSON.parse(JSON.stringify(result));
}

// How many cases carry report segments, and of which kind.
const segmentCounts = { report: 0, customSegments: 0, configIds: 0, unknownIds: 0, withStored: 0,
  asText: 0, runCallProps: 0 };
function countSegments(config, c) {
  const ids = new Set(config.segments.map((s) => s.id));
  const listed = Array.isArray(c.vprops?.customSegments) ? c.vprops.customSegments : null;
  if (hasReportSegments(c.vprops)) segmentCounts.report++;
  if (hasReportSegments(c.vprops) && c.attrs.segments) segmentCounts.withStored++;
  if (listed) segmentCounts.customSegments++;
  if (typeof c.vprops?.customSegments === 'string') segmentCounts.asText++;
  if (listed?.some((x) => ids.has(x))) segmentCounts.configIds++;
  if (listed?.some((x) => !ids.has(x))) segmentCounts.unknownIds++;
  if (c.vprops !== undefined && !c.viaContext) segmentCounts.runCallProps++;
}

const configs = [];
const cases = [];
for (let cid = 0; cid < CONFIGS; cid++) {
  const config = makeConfig(cid);
  configs.push([cid, JSON.stringify(config)]);
  for (let i = 0; i < CASES_PER_CONFIG; i++) {
    const c = makeCase(config, cid);
    countSegments(config, c);
    let expected;
    try {
      expected = sdkAnswer(config, c);
    } catch (err) {
      console.log('SDK THREW', err.message, JSON.stringify(c).slice(0, 300));
      expected = { sdk_threw: err.message };
    }
    cases.push([cases.length, cid, c.kind, c.visitor, c.key ?? null,
      c.vprops === undefined ? null : JSON.stringify(c.vprops),
      c.lprops === undefined ? null : JSON.stringify(c.lprops),
      c.env, Object.keys(c.attrs).length ? JSON.stringify(c.attrs) : null,
      expected === null ? null : JSON.stringify(expected)]);
  }
}

sql(`DROP TABLE IF EXISTS compat_configs, compat_decisions;
     CREATE TABLE compat_configs(cid int PRIMARY KEY, doc jsonb, config convert.config);
     CREATE TABLE compat_decisions(n int, cid int, kind text, visitor text, key text,
       vprops jsonb, lprops jsonb, env text, attrs jsonb, expected jsonb)`);
copyRows('compat_configs', ['cid', 'doc'], configs);
sql('UPDATE compat_configs SET config = doc::convert.config');
copyRows('compat_decisions', ['n', 'cid', 'kind', 'visitor', 'key', 'vprops', 'lprops', 'env',
  'attrs', 'expected'], cases);

const ours = `
  SELECT d.*, CASE d.kind
    WHEN 'exp' THEN convert.run_experience(c.config, d.visitor, d.key, d.vprops, d.lprops, d.env, d.attrs)
    WHEN 'feat' THEN convert.run_feature(c.config, d.visitor, d.key, d.vprops, d.lprops, d.env, d.attrs)
    WHEN 'exps' THEN (SELECT coalesce(jsonb_agg(x ORDER BY o), '[]')
                      FROM convert.run_experiences(c.config, d.visitor, d.vprops, d.lprops, d.env, d.attrs)
                           WITH ORDINALITY AS t(x, o))
    ELSE (SELECT coalesce(jsonb_agg(x ORDER BY o), '[]')
          FROM convert.run_features(c.config, d.visitor, d.vprops, d.lprops, d.env, d.attrs)
               WITH ORDINALITY AS t(x, o))
    END AS ours
  FROM compat_decisions d JOIN compat_configs c USING (cid)`;
const mismatches = queryJson(`SELECT n, cid, kind, left(visitor, 40) AS visitor, key, vprops, lprops,
    env, attrs, expected, ours
  FROM (${ours}) AS q WHERE expected IS DISTINCT FROM ours ORDER BY n`);
const [stats] = queryJson(`SELECT count(*) AS compared,
    count(*) FILTER (WHERE kind = 'exp') AS exp,
    count(*) FILTER (WHERE kind = 'exps') AS exps,
    count(*) FILTER (WHERE kind = 'feat') AS feat,
    count(*) FILTER (WHERE kind = 'feats') AS feats,
    count(*) FILTER (WHERE jsonb_typeof(expected) = 'object' AND expected ? 'bucketingAllocation') AS fresh,
    count(*) FILTER (WHERE jsonb_typeof(expected) = 'object' AND kind = 'exp'
                     AND NOT expected ? 'bucketingAllocation') AS stored_or_forced,
    count(*) FILTER (WHERE expected = '"convert.com_variation_not_decided"') AS not_decided,
    count(*) FILTER (WHERE expected IS NULL) AS nulls
  FROM compat_decisions`);

for (const m of mismatches.slice(0, 10)) {
  console.log('MISMATCH', JSON.stringify(m));
  console.log('  config', JSON.stringify(configs[m.cid][1]).slice(0, 4000));
}
console.log(`compared ${stats.compared} cases over ${CONFIGS} configs ` +
  `(runExperience ${stats.exp}, runExperiences ${stats.exps}, runFeature ${stats.feat}, ` +
  `runFeatures ${stats.feats}; fresh decisions ${stats.fresh}, stored/forced ${stats.stored_or_forced}, ` +
  `not decided ${stats.not_decided}, null ${stats.nulls}): ${mismatches.length} mismatches`);
console.log(`visitor properties with report segments in ${segmentCounts.report} cases ` +
  `(${segmentCounts.withStored} also with stored segments), customSegments in ` +
  `${segmentCounts.customSegments} (naming config segments ${segmentCounts.configIds}, ` +
  `unknown ids ${segmentCounts.unknownIds}), as a string in ${segmentCounts.asText}; ` +
  `passed as the run call's visitorProperties ` +
  `instead of createContext's: ${segmentCounts.runCallProps}`);
sql('DROP TABLE compat_decisions, compat_configs');
console.log(`decisions compat: ${stats.compared - mismatches.length} passed, ${mismatches.length} failed`);
process.exit(mismatches.length === 0 ? 0 : 1);
