// The normalisations of convert.import_project (docs/serving.md,
// "Import normalisations"), applied to a config document so that an imported document and
// its rendering can be compared structurally.  Anything not listed here must
// come back exactly.

const TOP_LEVEL = ['account_id', 'project', 'goals', 'locations', 'audiences', 'segments',
  'experiences', 'archived_experiences', 'features', 'is_debug'];

// JSON numbers in strings (as some documents serve them) become numbers.
function asNumber(v) {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

// null, [], {} and an absent member are the same thing.
function dropEmpty(v) {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || (typeof x === 'object' && Object.keys(x).length === 0)) continue;
      out[k] = dropEmpty(x);
    }
    return out;
  }
  return v;
}

// Experience id lists keep the first of repeated ids.
function unique(list) {
  return Array.isArray(list) ? [...new Set(list)] : list;
}

function normaliseExperience(e, isDebug) {
  const x = { ...e, status: e.status ?? 'active' };
  if (e.version !== undefined) x.version = asNumber(e.version);
  for (const k of ['locations', 'audiences', 'goals']) x[k] = unique(e[k]);
  x.variations = (e.variations || []).map((v) => ({
    ...v,
    ...(v.traffic_allocation !== undefined ? { traffic_allocation: asNumber(v.traffic_allocation) } : {}),
    changes: (v.changes || []).map((c) => ({ ...c, ...(c.id !== undefined ? { id: asNumber(c.id) } : {}) })),
  }));
  return x;
}

function normaliseProject(p) {
  const x = { ...p, type: p.type ?? 'fullstack' };
  if (p.utc_offset !== undefined) x.utc_offset = asNumber(p.utc_offset);
  if (p.environments && typeof p.environments === 'object') {
    x.environments = Object.fromEntries(Object.entries(p.environments).map(([name, env]) => [
      name,
      typeof env === 'string' ? { label: env, is_default: false } : { is_default: false, ...env },
    ]));
  }
  return x;
}

// The document an import of `doc` renders as (live, or debug when isDebug).
export function normaliseConfig(doc, isDebug = false) {
  const d = doc.data && !('account_id' in doc) ? doc.data : doc;
  const x = {};
  for (const k of TOP_LEVEL) if (k in d) x[k] = d[k];
  x.is_debug = isDebug;
  x.project = normaliseProject(d.project);
  x.experiences = (d.experiences || []).map((e) => normaliseExperience(e, isDebug));
  x.archived_experiences = unique(d.archived_experiences);
  return dropEmpty(x);
}

// The first difference between two JSON values, as a path and both sides.
export function firstDifference(a, b, path = '') {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return { path: `${path}.length`, a: a.length, b: b.length };
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : { path: path || '.', a, b };
}
