// Tracking with the official SDK: two SDK instances (one in data mode,
// whose tracking key is "<account>/<project>", and one with an SDK key and
// secret, whose config it fetches) run a scripted set of visitors against
// the project config fixture, with network.tracking on and their track
// endpoint pointed at a capture server on a loopback port.  Every captured
// request is then fed, as received (path key, Authorization header, body),
// to convert.track, and the stored rows are compared with the rows
// expected from the payloads under docs/tracking.md's policy, and with what
// the SDK itself decided.  Last, racing deliveries (a batch and its retry
// at once; one transaction in two batches at once) must store once.
// Prints "tracking compat: N passed, N failed".
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sdkModule from '@convertcom/js-sdk';
import { queryJson, sql } from './lib/db.mjs';

const ConvertSDK = sdkModule.default || sdkModule;
const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, '../fixtures/sdk-test-config.json'), 'utf8'));
const config = fixture.data;
const ACCOUNT = config.account_id;
const PROJECT = config.project.id;
const KEY = 'tracking-compat-key';
const SECRET = 's3cr3t-compat';
const RUN = { locationProperties: { url: 'https://convert.com/' }, visitorProperties: { varName3: 'something' } };

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

// --- the capture server: serves the config, records every track request --
const captured = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && req.url.startsWith(`/api/v1/config/${KEY}`)) {
      res.end(JSON.stringify(config));
    } else if (req.method === 'POST' && /\/v1\/track\//.test(req.url)) {
      captured.push({ url: req.url, authorization: req.headers.authorization || null, body });
      res.end('{"code":200,"message":"captured"}');
    } else {
      res.statusCode = 404;
      res.end('{"code":404,"message":"not found"}');
    }
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;
const endpoints = { config: `${base}/api/v1/`, track: `${base}/[project_id]/v1/` };

// --- the project in the database ----------------------------------------
sql(`TRUNCATE convert.events, convert.visitor_bucketing, convert.visitor_goals,
               convert.goal_transactions, convert.track_batches, convert.segment_sets`);
sql(`SELECT convert.import_project($cfg$${JSON.stringify(config)}$cfg$::json)`);
sql(`SELECT convert.create_sdk_key(${PROJECT}, '${SECRET}', '${KEY}')`);

// --- the SDK scenario -----------------------------------------------------
function sdk(options) {
  return new ConvertSDK({
    environment: fixture.environment,
    network: { tracking: true, source: 'compat-test' },
    events: { batch_size: 10, release_interval: 100 },
    logger: { logLevel: 5 },
    api: { endpoint: endpoints },
    ...options,
  });
}
const decisions = new Map();     // visitor → {experienceId: variationId} the SDK chose
const goals = config.goals.map((g) => g.key);

// Run every experience for the visitor; remember the SDK's first decisions.
function runExperiences(ctx, visitor) {
  for (const v of ctx.runExperiences(RUN)) {
    if (v && v.experienceId) {
      decisions.set(visitor, { [v.experienceId]: v.id, ...(decisions.get(visitor) || {}) });
    }
  }
}

async function firstProcess(instance) {
  for (let i = 0; i < 24; i++) {
    const visitor = i === 7 ? 'visitor-äöü-7' : `visitor-${i}`;
    const ctx = instance.createContext(visitor, { country: i % 2 ? 'US' : 'DE', browser: 'CH', plan: 'gold' });
    if (i % 6 !== 5) runExperiences(ctx, visitor);
    const goal = goals[i % goals.length];
    switch (i % 4) {
      case 0: ctx.trackConversion(goal); break;
      case 1:
        ctx.trackConversion(goal, { conversionData: [{ key: 'amount', value: i + 0.25 },
          { key: 'productsCount', value: 2 }, { key: 'transactionId', value: `tx-${i}` }] });
        break;
      case 2: ctx.trackConversion(goal); ctx.trackConversion(goal); break;   // the SDK drops the repeat
      default:
        ctx.trackConversion(goal, { conversionData: [{ key: 'amount', value: 10 }] });
        ctx.trackConversion(goal, { conversionData: [{ key: 'amount', value: 5 }],
          conversionSetting: { forceMultipleTransactions: true } });
    }
  }
  await instance.createContext('visitor-0').releaseQueues('end');
}

// A second process with an empty visitor store: repeated "first"
// conversions and decisions, and conversions without bucketingData.
async function secondProcess(instance) {
  for (let i = 0; i < 12; i++) {
    const visitor = i === 7 ? 'visitor-äöü-7' : `visitor-${i}`;
    const ctx = instance.createContext(visitor, i < 6 ? { country: 'FR' } : {});
    if (i < 6) runExperiences(ctx, visitor);
    const goal = goals[i % goals.length];
    if (i % 4 === 1) {
      ctx.trackConversion(goal, { conversionData: [{ key: 'amount', value: i + 0.25 },
        { key: 'productsCount', value: 2 }, { key: 'transactionId', value: `tx-${i}` }] });
    } else {
      ctx.trackConversion(goal);
    }
  }
  await instance.createContext('visitor-0').releaseQueues('end');
}

const dataMode = sdk({ data: config });
await dataMode.onReady();
await firstProcess(dataMode);
const keyed = sdk({ sdkKey: KEY, sdkKeySecret: SECRET });
await keyed.onReady();
await secondProcess(keyed);
await new Promise((ok) => setTimeout(ok, 300));          // let in-flight releases land
server.close();

check('requests were captured', captured.length >= 4, `${captured.length} requests`);
check('data mode posts to /track/<account>/<project>',
  captured.some((c) => c.url === `/${PROJECT}/v1/track/${ACCOUNT}/${PROJECT}` && c.authorization === null));
check('the keyed SDK posts to /track/<key> with its secret',
  captured.some((c) => c.url === `/${PROJECT}/v1/track/${KEY}` && c.authorization === `Bearer ${SECRET}`));

// What the SDK queued (docs/sdk-behaviour.md, "Tracking requests"): first process, per 4
// visitors 1 + 2 + 1 + 3 conversion events; second process, 2 for a first
// conversion with data and 1 otherwise.  The scripted calls run without
// yielding, so the batch released at batch_size is still queued when the
// final release sends the queue (the SDK clears it only on the answer):
// each instance's last request holds all its events, and the first batch
// arrives twice — the server must drop the repeats.
const conversionsSent = (c) => JSON.parse(c.body).visitors
  .flatMap((v) => v.events).filter((e) => e.eventType === 'conversion').length;
const lastOf = (path) => captured.filter((c) => c.url.endsWith(path)).at(-1);
check('conversion events of the data-mode SDK', conversionsSent(lastOf(`/track/${ACCOUNT}/${PROJECT}`)) === 42,
  `${conversionsSent(lastOf(`/track/${ACCOUNT}/${PROJECT}`))}`);
check('conversion events of the keyed SDK', conversionsSent(lastOf(`/track/${KEY}`)) === 15,
  `${conversionsSent(lastOf(`/track/${KEY}`))}`);

// --- feed every request to convert.track, in order -------------------------
let duplicates = 0;
for (const [n, c] of captured.entries()) {
  const key = decodeURIComponent(c.url.replace(/^.*\/v1\/track\//, ''));
  const auth = c.authorization === null ? 'NULL' : `'${c.authorization}'`;
  const [answer] = queryJson(`SELECT convert.track('${key}', $body$${c.body}$body$::json, ${auth}) AS r`);
  check(`request ${n} answered 200`, answer.r.code === 200, JSON.stringify(answer.r));
  duplicates += answer.r.duplicates;
}
// The scenario exercises the duplicate policy (a second process repeats
// first conversions, decisions and a transaction).
check('duplicates were dropped', duplicates > 0, `${duplicates} duplicates`);

// --- the rows expected from the payloads (docs/tracking.md) ------------
let enriched = 0;                // conversions sent without bucketingData, attributed by the server
function expectedRows() {
  const rows = [];
  const firstAssignment = new Map();   // visitor → Map(experience → {variation, segments, seq})
  const converted = new Set();
  const transactions = new Set();
  const digests = new Set();
  let seq = 0;
  for (const c of captured) {
    if (digests.has(c.body)) continue;
    digests.add(c.body);
    const payload = JSON.parse(c.body);
    const batchKeys = new Set();
    const stored = new Map();          // the visitors' state before this batch
    for (const [v, m] of firstAssignment) stored.set(v, new Map(m));
    for (const visitor of payload.visitors) {
      const id = visitor.visitorId;
      const before = stored.get(id) || new Map();
      const seen = {};
      let latest = null;
      for (const a of before.values()) if (!latest || a.seq > latest.seq) latest = a;
      const storedBucketing = Object.fromEntries([...before].map(([e, a]) => [e, a.variation]));
      for (const event of visitor.events) {
        const d = event.data;
        const row = { visitor_id: id, event_type: event.eventType, experience_id: null, variation_id: null,
          goal_id: null, amount: null, transaction_id: null, bucketing: null, segments: null };
        let key = null;
        if (event.eventType === 'bucketing') {
          row.experience_id = d.experienceId;
          row.variation_id = d.variationId;
          key = `b ${id} ${d.experienceId} ${d.variationId}`;
          seen[d.experienceId] = d.variationId;
          const prior = before.get(d.experienceId);
          if (prior && prior.variation === d.variationId) key = 'drop';
          if (!firstAssignment.has(id)) firstAssignment.set(id, new Map());
          if (!firstAssignment.get(id).has(d.experienceId)) {
            firstAssignment.get(id).set(d.experienceId, { variation: d.variationId, segments: visitor.segments || null, seq: seq++ });
          }
        } else {
          row.goal_id = d.goalId;
          const value = (k) => (d.goalData || []).find((x) => x.key === k && x.value !== null)?.value;
          row.amount = value('amount') ?? null;
          row.transaction_id = value('transactionId') === undefined ? null : String(value('transactionId'));
          if (!d.goalData) key = converted.has(`${id} ${d.goalId}`) ? 'drop' : `g ${id} ${d.goalId}`;
          else if (row.transaction_id !== null) {
            key = transactions.has(`${d.goalId} ${row.transaction_id}`) ? 'drop' : `t ${d.goalId} ${row.transaction_id}`;
          }
          const merged = payload.enrichData ? { ...storedBucketing, ...seen, ...(d.bucketingData || {}) } : d.bucketingData;
          if (!d.bucketingData && merged && Object.keys(merged).length) enriched++;
          row.bucketing = merged && Object.keys(merged).length ? merged : null;
        }
        const segments = payload.enrichData ? { ...(latest?.segments || {}), ...(visitor.segments || {}) } : visitor.segments;
        row.segments = segments && Object.keys(segments).length ? segments : null;
        if (key === 'drop' || (key !== null && batchKeys.has(key))) continue;
        if (key !== null) batchKeys.add(key);
        if (key?.startsWith('g ')) converted.add(key.slice(2));
        if (key?.startsWith('t ')) transactions.add(key.slice(2));
        rows.push(row);
      }
    }
  }
  return rows;
}

const expected = expectedRows();
check('conversions without bucketingData were enriched', enriched > 0, `${enriched} enriched`);
const canonical = (row) => JSON.stringify([row.visitor_id, row.event_type, row.experience_id, row.variation_id,
  row.goal_id, row.amount === null ? null : Number(row.amount), row.transaction_id,
  row.bucketing && Object.fromEntries(Object.entries(row.bucketing).sort()),
  row.segments && Object.fromEntries(Object.entries(row.segments).sort())]);
const want = expected.map(canonical).sort();
const got = queryJson(`SELECT visitor_id, event_type, experience_id::text, variation_id::text, goal_id::text,
                              amount, transaction_id, bucketing, segments, source
                       FROM convert.events_with_segments WHERE project_id = ${PROJECT}`);
check('every stored row has the SDK source', got.every((r) => r.source === 'compat-test'));
const gotRows = got.map(canonical).sort();
check('stored event count', gotRows.length === want.length, `${gotRows.length} stored, ${want.length} expected`);
want.forEach((w, i) => check(`row ${i}`, w === gotRows[i], `expected ${w}, stored ${gotRows[i]}`));

// What the SDK decided is each visitor's first assignment.
const assigned = queryJson(`SELECT visitor_id, experience_id::text, variation_id::text FROM convert.visitor_bucketing
                            WHERE project_id = ${PROJECT}`);
const assignedMap = new Map();
for (const a of assigned) assignedMap.set(`${a.visitor_id} ${a.experience_id}`, a.variation_id);
let decided = 0;
for (const [visitor, map] of decisions) {
  for (const [experience, variation] of Object.entries(map)) {
    decided++;
    check(`visitor_bucketing ${visitor} ${experience}`, assignedMap.get(`${visitor} ${experience}`) === variation,
      `${assignedMap.get(`${visitor} ${experience}`)} stored, the SDK chose ${variation}`);
  }
}
check('one assignment per SDK decision', assigned.length === decided, `${assigned.length} vs ${decided}`);

// Revenue: each transaction once, every forced transaction without an id.
const [revenue] = queryJson(`SELECT sum(amount)::float8 AS total FROM convert.events WHERE project_id = ${PROJECT}`);
let intended = 0;
for (let i = 0; i < 24; i++) intended += i % 4 === 1 ? i + 0.25 : i % 4 === 3 ? 15 : 0;
check('revenue counted once', Math.abs(revenue.total - intended) < 1e-9, `${revenue.total} vs ${intended}`);

// --- concurrent deliveries -------------------------------------------------
// The same batch delivered twice at once (a retry racing the original), and
// two batches with the same transaction at once: stored once.
function trackAsync(key, body) {
  return new Promise((ok, fail) => {
    const p = spawn('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
      '-c', `SELECT convert.track('${key}', $body$${body}$body$::json)`]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('close', (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`psql exited ${code}`))));
  });
}
function revenueBatch(visitor, transaction) {
  const goal = config.goals[0].id;
  return JSON.stringify({ enrichData: true, accountId: ACCOUNT, projectId: PROJECT, source: 'race',
    visitors: [{ visitorId: visitor, events: [{ eventType: 'conversion',
      data: { goalId: goal, goalData: [{ key: 'amount', value: 100 }, { key: 'transactionId', value: transaction }] } }] }] });
}
for (let round = 0; round < 5; round++) {
  const same = revenueBatch(`racer-${round}`, `race-a-${round}`);
  const answers = await Promise.all([trackAsync(KEY, same), trackAsync(KEY, same)]);
  check(`identical batches at once, round ${round}`,
    answers.map((a) => a.stored).sort().join() === '0,1', JSON.stringify(answers));
  const shared = await Promise.all([trackAsync(KEY, revenueBatch(`racer-x-${round}`, `race-b-${round}`)),
                                    trackAsync(KEY, revenueBatch(`racer-y-${round}`, `race-b-${round}`))]);
  check(`one transaction from two batches at once, round ${round}`,
    shared.map((a) => a.stored).sort().join() === '0,1', JSON.stringify(shared));
}
const [raced] = queryJson(`SELECT count(*)::int AS n, sum(amount)::float8 AS revenue
                           FROM convert.events WHERE source = 'race'`);
check('raced revenue counted once', raced.n === 10 && raced.revenue === 1000, JSON.stringify(raced));

console.log(`tracking compat: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
