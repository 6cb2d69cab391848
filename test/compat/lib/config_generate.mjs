// Generated config documents of every shape the Serving API serves (and
// the older shapes of the SDK's fixtures), for import/render round trips.
// Deterministic for a given random source.

const RULE_TYPES = [
  ['generic_text_key_value', () => 'checkout', 'matches'],
  ['generic_numeric_key_value', (r) => r.int(1, 100), 'less'],
  ['generic_bool_key_value', (r) => r.next() < 0.5, 'equals'],
];

function rules(r) {
  if (r.next() < 0.2) return null;
  const or = [];
  for (let i = r.int(1, 2); i > 0; i--) {
    const and = [];
    for (let j = r.int(1, 2); j > 0; j--) {
      const orWhen = [];
      for (let k = r.int(1, 2); k > 0; k--) {
        const [ruleType, value, matchType] = r.pick(RULE_TYPES);
        orWhen.push({ rule_type: ruleType, key: `key${r.int(1, 9)}`, value: value(r),
          matching: { match_type: matchType, negated: r.next() < 0.3 } });
      }
      and.push({ OR_WHEN: orWhen });
    }
    or.push({ AND: and });
  }
  return { OR: or };
}

// Ids are unique across a document: one counter per document.
function idSource(r) {
  let next = r.int(1, 9) * 100000000 + r.int(0, 99999);
  return () => String(next++);
}

function maybe(r, p, value) {
  return r.next() < p ? value() : undefined;
}

function withOptional(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

function variation(r, id, featureIds, allocation) {
  const changes = featureIds.length && r.next() < 0.7
    ? [{ id: Number(id()), type: 'fullStackFeature',
      data: { feature_id: r.next() < 0.5 ? Number(r.pick(featureIds)) : r.pick(featureIds),
        variables_data: { enabled: r.next() < 0.5, caption: 'text ✓' } } }]
    : [{ id: Number(id()), type: 'defaultCode', data: { css: null, js: 'x()', custom_js: null } }];
  return withOptional({
    id: id(), key: `v-${r.int(1, 1e6)}`, name: r.pick(['Original', 'Variation 1', 'Variação ü']),
    status: maybe(r, 0.9, () => r.pick(['running', 'stopped'])),
    traffic_allocation: maybe(r, 0.9, () => allocation),
    is_baseline: maybe(r, 0.5, () => r.next() < 0.5),
    changes,
  });
}

function experience(r, id, refs, environments, statuses) {
  const n = r.int(0, 3);
  const variations = [];
  for (let i = 0; i < n; i++) variations.push(variation(r, id, refs.features, Math.floor(10000 / n) / 100));
  const pickSome = (list) => list.filter(() => r.next() < 0.4);
  return withOptional({
    id: id(), key: `exp-${id()}`, name: `Experience ${r.int(1, 99)}`,
    type: r.pick(['a/b_fullstack', 'feature_rollout', 'a/b']),
    status: r.pick(statuses), version: r.pick([6, 11, 12, 11.5]),
    environment: maybe(r, 0.6, () => r.pick(environments)),
    environments: maybe(r, 0.2, () => environments.slice(0, 1)),
    locations: maybe(r, 0.8, () => pickSome(refs.locations)),
    site_area: maybe(r, 0.8, () => rules(r)),
    audiences: maybe(r, 0.8, () => pickSome(refs.audiences.concat(refs.segments))),
    goals: maybe(r, 0.8, () => pickSome(refs.goals)),
    settings: maybe(r, 0.9, () => withOptional({
      matching_options: { audiences: r.pick(['any', 'all']), locations: maybe(r, 0.5, () => 'any') },
      split_url_settings: maybe(r, 0.3, () => ({ split_regex_support: false })),
    })),
    integrations: maybe(r, 0.5, () => [{ provider: 'google_analytics', enabled: r.next() < 0.5, type: 'ga4',
      measurementId: 'G-1' }]),
    global_js: maybe(r, 0.3, () => 'console.log(1)'),
    url: maybe(r, 0.2, () => 'https://example.com/ü'),
    variations,
  });
}

function listOf(r, n, make) {
  const list = [];
  for (let i = 0; i < n; i++) list.push(make(i));
  return list;
}

// One document; `isDebug` documents also list draft and paused experiences.
export function generateConfig(r, isDebug) {
  const id = idSource(r);
  const environments = ['production', 'staging', 'dev'].slice(0, r.int(1, 3));
  const goals = listOf(r, r.int(0, 4), (i) => withOptional({
    id: id(), key: `goal-${i}`, name: maybe(r, 0.9, () => `Goal ${i}`),
    type: maybe(r, 0.9, () => r.pick(['advanced', 'revenue', 'dom_interaction'])),
    settings: maybe(r, 0.3, () => ({ triggering_type: 'manual' })), rules: rules(r),
    is_system: maybe(r, 0.3, () => false),
  }));
  const locations = listOf(r, r.int(0, 3), (i) => ({
    id: id(), key: `loc-${i}`, name: `Location ${i}`,
    trigger: r.pick([{ type: 'upon_run' }, { type: 'dom_element', selector: '#buy', events: ['click'] }]),
    rules: rules(r),
  }));
  const audiences = listOf(r, r.int(0, 3), (i) => withOptional({
    id: id(), key: `aud-${i}`, name: `Audience ${i}`, type: r.pick(['permanent', 'transient']),
    rules: rules(r), status: maybe(r, 0.5, () => 'active'),
  }));
  const segments = listOf(r, r.int(0, 2), (i) => ({ id: id(), key: `seg-${i}`, name: `Segment ${i}`, rules: rules(r) }));
  const features = listOf(r, r.int(0, 3), (i) => ({
    id: id(), key: `feature-${i}`, name: `Feature ${i}`,
    variables: [{ key: 'enabled', type: 'boolean' }, { key: 'caption', type: 'string' }],
  }));
  const refs = { goals: goals.map((g) => g.id), locations: locations.map((l) => l.id),
    audiences: audiences.map((a) => a.id), segments: segments.map((s) => s.id),
    features: features.map((f) => f.id) };
  const statuses = isDebug ? ['active', 'draft', 'paused'] : ['active'];
  const experiences = listOf(r, r.int(0, 5), () => experience(r, id, refs, environments, statuses));
  const legacyEnvironments = r.next() < 0.3;
  return {
    account_id: id(),
    project: withOptional({
      id: id(), name: 'Projeto ü', type: r.pick(['fullstack', 'web']), utc_offset: r.pick([0, 3600, -18000]),
      global_javascript: maybe(r, 0.5, () => 'var g = 1;'),
      custom_domain: maybe(r, 0.3, () => null),
      domains: maybe(r, 0.5, () => [{ tld: false, hosts: 'https://example.com/' }]),
      settings: withOptional({
        data_anonymization: false, do_not_track: 'OFF',
        integrations: maybe(r, 0.5, () => ({ kissmetrics: { enabled: false } })),
        outliers: maybe(r, 0.5, () => ({ order_value: { detection_type: 'none' } })),
        tracking_script: maybe(r, 0.5, () => r.pick([null, { current_version: '1', latest_version: '2' }])),
        version: maybe(r, 0.5, () => '2026-03-22T07:46:28+00:00-259'),
      }),
      environments: Object.fromEntries(environments.map((e, i) => [e,
        legacyEnvironments ? e.toUpperCase() : { label: e.toUpperCase(), is_default: i === 0 }])),
    }),
    goals, locations, audiences, segments, experiences,
    archived_experiences: listOf(r, r.int(0, 2), () => id()),
    features,
    is_debug: isDebug,
  };
}
