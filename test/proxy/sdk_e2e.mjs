// End to end with the official SDK (@convertcom/js-sdk, pinned in
// test/compat): a project imported from the shared fixture, an SDK key with
// a secret, the SDK pointed at convert-proxy with its endpoint overrides.
// 1,000 visitors run experiences and features and convert; the SDK's queue
// is released; then the decisions are checked against the database's own
// (convert.run_experience, when installed) and against the SDK given the
// same config directly, and every event the SDK sent is in convert.events
// exactly once.  Run by test/run-tests.sh (suite proxy-sdk) against the
// live cluster (PG* variables), with PROXY_BIN set.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { test, run, assert, eventually, Pending } from './lib/harness.mjs';
import { get, post } from './lib/http.mjs';
import { startProxy, stopProxy, stopAll } from './lib/proxy.mjs';
import { cget, hitOf, changeSeen } from './lib/cache_probe.mjs';
import { psql } from './lib/db.mjs';
import { assertError } from './lib/expect.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '../..');
const requireFromCompat = createRequire(path.join(top, 'test/compat/package.json'));
const sdkModule = requireFromCompat('@convertcom/js-sdk');
const ConvertSDK = sdkModule.default || sdkModule;

// The SDK's test project, as test/fixtures keeps it (a copy of the public fixture).
const fixturePath = path.join(top, 'test/fixtures/sdk-test-config.json');
const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8'));

// Our own account and project ids, so no other suite's data is touched.
const ACCOUNT = '97000001';
const PROJECT = '97000002';
const KEY = 'proxy-e2e-key';
const SECRET = 'e2e-s3cr3t';
const ENV = 'staging';
const VISITORS = 1000;

const config = { ...fixture.data, account_id: ACCOUNT, project: { ...fixture.data.project, id: PROJECT } };

let P;
const sent = []; // tracking payloads the SDK posted and the proxy accepted

// Record what the SDK posts (it uses fetch in Node); the requests still go
// to the proxy unchanged.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const res = await realFetch(url, init);
  if (init.method === 'POST' && String(url).includes('/v1/track/') && res.status === 200) {
    sent.push(JSON.parse(init.body));
  }
  return res;
};

function sqlLiteral(s) {
  return `'${s.replace(/'/g, "''")}'`;
}

// Visitor ids unique to this run: the server treats a batch identical to
// one it stored within the hour as a retry, so a rerun on the same
// database must not repeat the last run's batches.
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const visitorId = (i) => `e2e-${RUN}-visitor-${i}-äö`;
// Most visitors match the experiences' site area and audience; some not.
const visitorProps = (i) => (i % 5 === 4 ? { varName1: 'nope' } : { varName1: 'value1', varName2: 'value2' });
const locationProps = (i) => ({ url: i % 7 === 6 ? 'https://example.com/' : 'https://convert.com/' });

function decide(sdk, i) {
  const ctx = sdk.createContext(visitorId(i), {});
  const attrs = { locationProperties: locationProps(i), visitorProperties: visitorProps(i), environment: ENV };
  const experiences = ctx.runExperiences(attrs)
    .filter((d) => d && typeof d === 'object' && d.experienceId)
    .map((d) => ({ experience: d.experienceKey, variation: d.id }))
    .sort((a, b) => a.experience.localeCompare(b.experience));
  const features = ctx.runFeatures(attrs)
    .filter((f) => f && typeof f === 'object' && f.key)
    .map((f) => ({ feature: f.key, status: f.status, variables: f.variables || null }))
    .sort((a, b) => a.feature.localeCompare(b.feature));
  return { ctx, experiences, features };
}

test('setup: project imported, SDK key with a secret, proxy started', async () => {
  psql(`SELECT convert.import_project(${sqlLiteral(JSON.stringify(config))}::json)`);
  psql(`DELETE FROM convert.sdk_keys WHERE sdk_key = '${KEY}'`);
  psql(`SELECT convert.create_sdk_key(${PROJECT}, '${SECRET}', '${KEY}')`);
  P = await startProxy(['--pool-size', '4']);
});

test('real config route: the function\'s document, 401 without the secret', async () => {
  const r = await get(P.port, `/api/v1/config/${KEY}?environment=${ENV}`, { Authorization: `Bearer ${SECRET}` });
  assert.equal(r.status, 200);
  assert.equal(r.text, psql(`SELECT convert.project_config_by_sdk_key('${KEY}', '${ENV}', 'Bearer ${SECRET}')`));
  assert.equal(JSON.parse(r.text).project.id, PROJECT);
  assert.equal(r.headers['cache-control'], 'private, max-age=60');
  const nm = await get(P.port, `/api/v1/config/${KEY}?environment=${ENV}`,
    { Authorization: `Bearer ${SECRET}`, 'If-None-Match': r.headers.etag });
  assert.equal(nm.status, 304);
  assertError(await get(P.port, `/api/v1/config/${KEY}`), 401, 'missing sdk key secret');
  assertError(await get(P.port, `/api/v1/config/${KEY}`, { Authorization: 'Bearer wrong' }), 401, 'wrong sdk key secret');
  assertError(await get(P.port, '/api/v1/config/no-such-e2e-key'), 404, 'unknown sdk key');
  const basic = await get(P.port, `/api/v1/config/${ACCOUNT}/${PROJECT}/basic`);
  assert.equal(basic.status, 200);
  assert.equal(basic.text, psql(`SELECT convert.project_config_basic(${ACCOUNT}, ${PROJECT})`));
});

test('real track route: malformed batches are 400 and store nothing', async () => {
  const before = psql(`SELECT count(*) FROM convert.events WHERE project_id = ${PROJECT}`);
  const r = await post(P.port, `/v1/track/${KEY}`, '{"visitors": 5}', { Authorization: `Bearer ${SECRET}` });
  assert.equal(r.status, 400, r.text);
  assert.equal(JSON.parse(r.text).code, 400);
  assert.equal(psql(`SELECT count(*) FROM convert.events WHERE project_id = ${PROJECT}`), before);
});

// The notifications a psql session that listens on convert_config gets
// while running sql, as their payloads.
function notificationsOf(sql) {
  const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
    input: `LISTEN convert_config;\n${sql};\nSELECT 1;\n`, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/notification "convert_config" with payload "([^"]*)"/g)].map((m) => m[1]);
}

test('triggers: key and debug token changes notify convert_config', () => {
  const key = 'proxy-e2e-notify';
  psql(`DELETE FROM convert.sdk_keys WHERE sdk_key = '${key}'`);
  assert.deepEqual(notificationsOf(`SELECT convert.create_sdk_key(${PROJECT}, NULL, '${key}')`), [`sdk_key:${key}`]);
  assert.deepEqual(notificationsOf(`SELECT convert.set_sdk_key_secret('${key}', 'x')`), [`sdk_key:${key}`]);
  assert.deepEqual(notificationsOf(`UPDATE convert.sdk_keys SET sdk_key = '${key}-2' WHERE sdk_key = '${key}'`),
    [`sdk_key:${key}`, `sdk_key:${key}-2`]);
  assert.deepEqual(notificationsOf(`DELETE FROM convert.sdk_keys WHERE sdk_key = '${key}-2'`), [`sdk_key:${key}-2`]);
  assert.deepEqual(notificationsOf(`SELECT convert.generate_debug_token(${PROJECT})`), ['debug_tokens']);
  assert.deepEqual(notificationsOf(`SELECT 1`), []);
});

test('revoked keys and tokens: the next request after the change is refused', async () => {
  const open = 'proxy-e2e-open';
  const fence = 'proxy-e2e-fence';
  psql(`DELETE FROM convert.sdk_keys WHERE sdk_key IN ('${open}', '${fence}');
        SELECT convert.create_sdk_key(${PROJECT}, NULL, '${open}');
        SELECT convert.create_sdk_key(${PROJECT}, NULL, '${fence}')`);
  const q = await startProxy(['--cache-ttl', '300']);
  const path = `/api/v1/config/${open}`;
  try {
    await eventually(() => hitOf(q, path), 5000);
    await changeSeen(q, `SELECT convert.set_sdk_key_secret('${open}', 'late-secret')`, fence);
    assertError(await cget(q, path), 401, 'missing sdk key secret');
    await changeSeen(q, `SELECT convert.set_sdk_key_secret('${open}', NULL)`, fence);
    assert.equal((await cget(q, `${path}?environment=${ENV}`)).status, 200);
    assert.equal((await hitOf(q, `${path}?environment=${ENV}`)).status, 200);
    await changeSeen(q, `UPDATE convert.sdk_keys SET environment = 'live' WHERE sdk_key = '${open}'`, fence);
    assertError(await cget(q, `${path}?environment=${ENV}`), 403, `sdk key is not valid for environment "${ENV}"`);
    await changeSeen(q, `DELETE FROM convert.sdk_keys WHERE sdk_key = '${open}'`, fence);
    assertError(await cget(q, path), 404, 'unknown sdk key');
    // Answers with a debug token are never cached: a deleted token is
    // refused at once.
    const token = psql(`SELECT convert.generate_debug_token(${PROJECT})`);
    const debug = `/api/v1/config/${fence}?debug_token=${token}`;
    assert.equal((await cget(q, debug)).status, 200);
    psql(`DELETE FROM convert.debug_tokens WHERE token_hash = sha256(convert_to('${token}', 'UTF8'))`);
    assertError(await cget(q, debug), 401, 'unknown debug token');
  } finally {
    psql(`DELETE FROM convert.sdk_keys WHERE sdk_key IN ('${open}', '${fence}')`);
    await stopProxy(q);
  }
});

test('made-up environments: one cache entry, the database\'s own answer', async () => {
  const open = 'proxy-e2e-envs';
  psql(`DELETE FROM convert.sdk_keys WHERE sdk_key = '${open}';
        SELECT convert.create_sdk_key(${PROJECT}, NULL, '${open}')`);
  const q = await startProxy(['--cache-ttl', '300']);
  try {
    await eventually(() => hitOf(q, `/api/v1/config/${open}`), 5000);
    const first = await cget(q, `/api/v1/config/${open}?environment=made-up-0`);
    for (let i = 1; i <= 20; i++) {
      const r = await hitOf(q, `/api/v1/config/${open}?environment=made-up-${i}`);
      assert.ok(r, `made-up-${i} was not a cache hit`);
      assert.equal(r.text, first.text);
      assert.equal(r.text, psql(`SELECT convert.project_config_by_sdk_key('${open}', 'made-up-${i}')`));
    }
    for (const env of ['live', ENV]) {
      const r = await cget(q, `/api/v1/config/${open}?environment=${env}`);
      assert.equal(r.text, psql(`SELECT convert.project_config_by_sdk_key('${open}', '${env}')`));
      assert.equal((await hitOf(q, `/api/v1/config/${open}?environment=${env}`)).text, r.text);
    }
    assert.equal(psql(`SELECT convert.config_environments('${open}')`), '{live,staging}');
    assert.equal(psql(`SELECT convert.config_environments('${ACCOUNT}/${PROJECT}')`), '{live,staging}');
    assert.equal(psql(`SELECT convert.config_environments('no-such-key') IS NULL`), 't');
  } finally {
    psql(`DELETE FROM convert.sdk_keys WHERE sdk_key = '${open}'`);
    await stopProxy(q);
  }
});

let decisions = [];

test(`SDK: ready through the proxy, ${VISITORS} visitors decide, convert, release`, async () => {
  const sdk = new ConvertSDK({
    sdkKey: KEY,
    sdkKeySecret: SECRET,
    environment: ENV,
    api: { endpoint: { config: `http://127.0.0.1:${P.port}/api/v1/`, track: `http://127.0.0.1:${P.port}/v1/` } },
    network: { tracking: true, source: 'proxy-e2e' },
    events: { batch_size: 10, release_interval: 100 },
    dataRefreshInterval: 3600000,
    logger: { logLevel: 5 },
  });
  await sdk.onReady();
  assert.equal(sdk.data.project.id, PROJECT);
  for (let i = 0; i < VISITORS; i++) {
    const d = decide(sdk, i);
    decisions.push({ experiences: d.experiences, features: d.features });
    // Conversions: goal without rules; with data for every other visitor,
    // and a repeat (which the SDK does not send again) for every third.
    d.ctx.trackConversion('goal-without-rule', i % 2 ? { conversionData: [{ key: 'amount', value: i + 0.5 }] } : {});
    if (i % 3 === 0) d.ctx.trackConversion('goal-without-rule', {});
    // The SDK drops events queued while a release is in flight (docs/
    // sdk-behaviour.md, "Tracking requests"), so each visitor's events go out before the next
    // visitor's are made: what the server gets is then all there is.
    await d.ctx.releaseQueues('test');
  }
  const bucketed = decisions.reduce((n, d) => n + d.experiences.length, 0);
  assert.ok(bucketed > VISITORS, `only ${bucketed} decisions: the fixture's rules did not match`);
  const expectedEvents = bucketed + VISITORS + VISITORS / 2;
  await eventually(() => sent.reduce((n, p) => n + p.visitors.reduce((m, v) => m + v.events.length, 0), 0) === expectedEvents,
    30000, 100);
});

test('decisions: the SDK given the same config directly agrees', async () => {
  const local = new ConvertSDK({ data: config, environment: ENV, network: { tracking: false }, logger: { logLevel: 5 } });
  await local.onReady();
  for (let i = 0; i < VISITORS; i++) {
    const d = decide(local, i);
    assert.deepEqual({ experiences: d.experiences, features: d.features }, decisions[i], `visitor ${i}`);
  }
});

test('decisions: equal convert.run_experience on the served config', async () => {
  const fn = psql(`SELECT count(*) FROM pg_proc WHERE proname = 'run_experience'
                   AND pronamespace = 'convert'::regnamespace`);
  if (fn === '0') {
    throw new Pending('convert.run_experience is not installed yet (issue 6)');
  }
  const rows = [];
  for (let i = 0; i < VISITORS; i++) {
    for (const e of config.experiences) {
      rows.push({ i, visitor: visitorId(i), experience: e.key, vp: visitorProps(i), lp: locationProps(i) });
    }
  }
  const table = JSON.stringify(rows);
  const out = JSON.parse(psql(`
    WITH cfg AS (SELECT convert.project_config_by_sdk_key('${KEY}', '${ENV}', 'Bearer ${SECRET}')::jsonb::convert.config AS c),
         cases AS (SELECT * FROM json_to_recordset(${sqlLiteral(table)}::json)
                   AS t(i int, visitor text, experience text, vp jsonb, lp jsonb))
    SELECT coalesce(json_agg(json_build_object('i', i, 'experience', experience,
             'variation', convert.run_experience(cfg.c, visitor, experience, vp, lp, '${ENV}') ->> 'id')
             ORDER BY i, experience), '[]')
    FROM cases, cfg`));
  const sqlDecisions = new Map();
  for (const r of out) {
    if (r.variation === null) continue;
    if (!sqlDecisions.has(r.i)) sqlDecisions.set(r.i, []);
    sqlDecisions.get(r.i).push({ experience: r.experience, variation: r.variation });
  }
  for (let i = 0; i < VISITORS; i++) {
    const expect = (sqlDecisions.get(i) || []).sort((a, b) => a.experience.localeCompare(b.experience));
    assert.deepEqual(decisions[i].experiences, expect, `visitor ${i}`);
  }
});

test('events: every event the SDK sent is stored once, none lost or doubled', async () => {
  const key = (v, e) => e.eventType === 'bucketing'
    ? `${v}|bucketing|${e.data.experienceId}|${e.data.variationId}`
    : `${v}|conversion|${e.data.goalId}|${e.data.goalData ? JSON.stringify(e.data.goalData.map((g) => [g.key, g.value])) : ''}`;
  const want = [];
  for (const p of sent) for (const v of p.visitors) for (const e of v.events) want.push(key(v.visitorId, e));
  // The decisions alone say which bucketing events there must be.
  const fromDecisions = [];
  decisions.forEach((d, i) => d.experiences.forEach((x) => {
    const exp = config.experiences.find((e) => e.key === x.experience);
    fromDecisions.push(`${visitorId(i)}|bucketing|${exp.id}|${x.variation}`);
  }));
  assert.deepEqual(want.filter((k) => k.includes('|bucketing|')).sort(), fromDecisions.sort());
  const rows = JSON.parse(psql(`
    SELECT coalesce(json_agg(json_build_object('v', visitor_id, 't', event_type,
             'x', experience_id::text, 'var', variation_id::text, 'g', goal_id::text,
             'd', goal_data)), '[]')
    FROM convert.events WHERE project_id = ${PROJECT} AND visitor_id LIKE 'e2e-${RUN}-%'`));
  const got = rows.map((r) => (r.t === 'bucketing'
    ? `${r.v}|bucketing|${r.x}|${r.var}`
    : `${r.v}|conversion|${r.g}|${r.d ? JSON.stringify(r.d.map((g) => [g.key, g.value])) : ''}`));
  assert.equal(got.length, want.length);
  assert.deepEqual(got.sort(), want.sort());
});

test('stop: clean exit', async () => {
  await stopProxy(P);
});

await run('proxy-sdk', { after: stopAll });
