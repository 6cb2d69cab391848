// Import → render round trips of config documents:
//   - the SDK's fixtures (shared/fixtures, copied to test/fixtures): the
//     rendering equals the document up to the normalisations of
//     docs/serving.md, and the
//     official SDK decides the same on the rendering as on the original;
//   - generated documents of many shapes, live and debug (served through a
//     debug token), and a second document imported over the first.
// Prints "config roundtrip: N passed, N failed" (one per compared document or
// SDK decision).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryJson, sql } from './lib/db.mjs';
import { generateConfig } from './lib/config_generate.mjs';
import { firstDifference, normaliseConfig } from './lib/config_normalise.mjs';
import { rng } from './lib/random.mjs';
import { createSdk } from './lib/sdk.mjs';

const DOCUMENTS = Number(process.env.CONFIG_DOCUMENTS || 30);
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
let passed = 0;
let failed = 0;

function check(label, ok, detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    if (failed <= 20) console.log(`FAIL ${label}: ${detail}`);
  }
}

function literal(value) {
  return `'${JSON.stringify(value).replace(/'/g, "''")}'`;
}

const accounts = new Set();

function importDocument(doc) {
  const d = doc.data && !('account_id' in doc) ? doc.data : doc;
  accounts.add(Number(d.account_id));
  return queryJson(`SELECT convert.import_project(${literal(doc)}) AS id`)[0].id;
}

function served(doc, debug) {
  const d = doc.data && !('account_id' in doc) ? doc.data : doc;
  const token = debug
    ? queryJson(`SELECT convert.generate_debug_token(${d.project.id}) AS t`)[0].t
    : null;
  const tokenSql = token ? `'${token}'` : 'NULL';
  return queryJson(`SELECT convert.project_config(${d.account_id}, ${d.project.id}, NULL, ${tokenSql}) AS c`)[0].c;
}

function compareDocument(label, doc, debug) {
  importDocument(doc);
  const rendered = served(doc, debug);
  const diff = firstDifference(normaliseConfig(doc, debug), normaliseConfig(rendered, debug));
  check(label, diff === null, JSON.stringify(diff));
  return rendered;
}

// changes[].id as the Serving API serves it (a number), wherever it appears.
function numericChangeIds(v) {
  if (Array.isArray(v)) return v.map(numericChangeIds);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = k === 'changes' && Array.isArray(x)
        ? x.map((c) => ({ ...numericChangeIds(c), ...(c.id !== undefined ? { id: Number(c.id) } : {}) }))
        : numericChangeIds(x);
    }
    return out;
  }
  return v;
}

// The SDK's decisions for a few visitors on every experience and feature.
async function decisions(config, environment) {
  const sdk = createSdk(structuredClone(config), { environment });
  await sdk.onReady();
  const out = [];
  for (let v = 0; v < 50; v++) {
    const context = sdk.createContext(`visitor-${v}`, { varName3: 'something' });
    for (const e of config.experiences) {
      out.push(structuredClone(context.runExperience(e.key, {
        locationProperties: { url: 'https://convert.com/' }, visitorProperties: { varName3: 'something' },
      })));
    }
    out.push(structuredClone(context.runFeatures({
      locationProperties: { url: 'https://convert.com/' }, visitorProperties: { varName3: 'something' },
    })));
  }
  return out;
}

async function fixtureRoundTrips() {
  for (const name of ['sdk-test-config.json', 'sdk-test-config-v1.json']) {
    const doc = JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
    const rendered = compareDocument(name, doc, false);
    if (name !== 'sdk-test-config.json') continue;
    const want = await decisions(doc.data, doc.environment);
    const got = await decisions(rendered, doc.environment);
    want.forEach((w, i) => {
      const diff = firstDifference(numericChangeIds(w), numericChangeIds(got[i]));
      check(`${name} SDK decision ${i}`, diff === null, JSON.stringify(diff));
    });
  }
}

function generatedRoundTrips() {
  const r = rng(20261128);
  for (let i = 0; i < DOCUMENTS; i++) {
    const debug = i % 2 === 1;
    const doc = generateConfig(r, debug);
    compareDocument(`generated #${i}${debug ? ' (debug)' : ''}`, doc, debug);
    // A second document for the same project replaces the first.
    const next = generateConfig(r, debug);
    next.account_id = doc.account_id;
    next.project.id = doc.project.id;
    compareDocument(`re-import #${i}`, next, debug);
  }
}

await fixtureRoundTrips();
generatedRoundTrips();
sql(`DELETE FROM convert.accounts WHERE id IN (${[...accounts].join(', ')})`);
console.log(`config roundtrip: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
