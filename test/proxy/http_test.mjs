// convert-proxy over real sockets, against test doubles of the SQL
// contract (fake_contract.sql): every route, status, header, limit and
// timeout, a PostgreSQL restart during traffic, and graceful shutdown
// (and, from hostile_test.mjs, what hostile clients get).
// Run by run_http.sh, which provides the cluster and the environment.
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { test, run, assert, sleep, eventually } from './lib/harness.mjs';
import { request, get, post, rawConnect } from './lib/http.mjs';
import { startProxy, stopProxy, accessLog, stopAll } from './lib/proxy.mjs';
import { psql } from './lib/db.mjs';
import { etagOf, assertError } from './lib/expect.mjs';
// Slow clients, connection limits, cache abuse, revoked keys.
import './hostile_test.mjs';

const SUITE = process.env.PROXY_SUITE_NAME || 'proxy-http';

// The SQL function's own output, to check the proxy passes bytes through.
function sqlValue(call) {
  return psql(`SELECT ${call}`);
}

function cluster(action) {
  const r = spawnSync('bash', ['-c', `source "$PG_CLUSTER_SH" && cluster_${action} "$CLUSTER_DIR" "$PGPORT"`], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cluster_${action} failed: ${r.stderr}`);
}

let P; // the proxy most tests share

test('start: listens and reports its port', async () => {
  P = await startProxy(['--pool-size', '2']);
  assert.ok(P.port > 0);
});

test('GET /healthz: 200 {"status":"ok"}', async () => {
  const r = await get(P.port, '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.text, '{"status":"ok"}');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['cache-control'], 'no-store');
});

test('HEAD /healthz: 200, headers only', async () => {
  const r = await request(P.port, 'HEAD', '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.raw.length, 0);
  assert.equal(r.headers['content-length'], '15');
});

test('unknown routes: 404 {"code":404,...}', async () => {
  for (const path of ['/', '/nope', '/api/v1/config/', '/api/v1/config', '/v1/track/',
    '/api/v2/config/x', '/healthz/x', '/v1/trackx/1']) {
    assertError(await get(P.port, path), 404, 'not found');
  }
  assertError(await post(P.port, '/v1/other/1', '{}'), 404, 'not found');
});

test('wrong method: 405 with Allow', async () => {
  const cases = [
    ['PUT', '/api/v1/config/public-key', 'GET, HEAD, OPTIONS'],
    ['POST', '/api/v1/config/public-key', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/v1/config/1/2/basic', 'GET, HEAD, OPTIONS'],
    ['GET', '/v1/track/public-key', 'POST, OPTIONS'],
    ['PATCH', '/v1/track/1/2', 'POST, OPTIONS'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['OPTIONS', '/healthz', 'GET, HEAD'],
  ];
  for (const [method, path, allow] of cases) {
    const r = await request(P.port, method, path, { body: method === 'POST' ? '{}' : undefined });
    assertError(r, 405, 'method not allowed');
    assert.equal(r.headers.allow, allow, `${method} ${path}`);
  }
});

test('OPTIONS preflight: 204 with CORS headers', async () => {
  for (const [path, methods] of [['/api/v1/config/public-key', 'GET, HEAD, OPTIONS'],
    ['/v1/track/10/20', 'POST, OPTIONS']]) {
    const r = await request(P.port, 'OPTIONS', path, {
      headers: {
        Origin: 'https://shop.example',
        'Access-Control-Request-Method': methods.split(',')[0],
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    assert.equal(r.status, 204);
    assert.equal(r.raw.length, 0);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['access-control-allow-methods'], methods);
    assert.equal(r.headers['access-control-allow-headers'],
      'Authorization, Content-Type, convert-debug-token, If-None-Match');
    assert.equal(r.headers['access-control-max-age'], '86400');
  }
});

test('config by SDK key: the function\'s bytes, JSON headers, ETag, caching', async () => {
  const r = await get(P.port, '/api/v1/config/public-key');
  const expected = sqlValue(`convert.project_config_by_sdk_key('public-key', NULL, NULL, NULL)`);
  assert.equal(r.status, 200);
  assert.equal(r.text, expected);
  assert.deepEqual(JSON.parse(r.text), {
    route: 'key', sdk_key: 'public-key', environment: null, debug_token: null,
    has_authorization: false, config: { project: { id: '100' }, experiences: [] },
  });
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers.etag, etagOf(r.raw));
  assert.equal(r.headers['cache-control'], 'public, max-age=60');
  assert.equal(r.headers.vary, 'Accept-Encoding');
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.headers['access-control-expose-headers'], 'ETag');
  assert.equal(r.headers['content-encoding'], undefined);
});

test('HEAD config: the GET headers without a body', async () => {
  const g = await get(P.port, '/api/v1/config/public-key');
  const h = await request(P.port, 'HEAD', '/api/v1/config/public-key');
  assert.equal(h.status, 200);
  assert.equal(h.raw.length, 0);
  assert.equal(h.headers.etag, g.headers.etag);
  assert.equal(h.headers['content-length'], String(g.raw.length));
  assert.equal(h.headers['content-type'], 'application/json');
});

test('config: environment, debug_token and headers are passed through', async () => {
  let r = await get(P.port, '/api/v1/config/public-key?environment=staging&_conv_low_cache=1&debug_token=a%2Bb%2Fc');
  let body = JSON.parse(r.text);
  assert.equal(r.status, 200);
  assert.equal(body.environment, 'staging');
  assert.equal(body.debug_token, 'a+b/c');
  assert.equal(r.headers['cache-control'], 'no-cache');
  // The header form of the debug token wins over the query parameter.
  r = await get(P.port, '/api/v1/config/public-key?debug_token=query', { 'convert-debug-token': 'hdr-token' });
  assert.equal(JSON.parse(r.text).debug_token, 'hdr-token');
  r = await get(P.port, '/api/v1/config/secret-key', { Authorization: 'Bearer s3cr3t' });
  body = JSON.parse(r.text);
  assert.equal(r.status, 200);
  assert.equal(body.has_authorization, true);
  assert.equal(r.headers['cache-control'], 'private, max-age=60');
  r = await get(P.port, '/api/v1/config/public-key?environment=' + encodeURIComponent('prod ü/é'));
  assert.equal(JSON.parse(r.text).environment, 'prod ü/é');
});

test('PTnnn errors become their status and {"code","message"}', async () => {
  assertError(await get(P.port, '/api/v1/config/secret-key'), 401, 'missing or wrong sdk key secret');
  assertError(await get(P.port, '/api/v1/config/secret-key', { Authorization: 'Bearer nope' }),
    401, 'missing or wrong sdk key secret');
  assertError(await get(P.port, '/api/v1/config/no-such-key'), 404, 'unknown sdk key "no-such-key"');
  assertError(await get(P.port, '/api/v1/config/9/77'), 403, 'default config disabled for this project');
  assertError(await get(P.port, '/api/v1/config/pt413'), 413, 'batch over 1000 visitors');
  assertError(await post(P.port, '/v1/track/public-key', '[1,2]'), 400, 'payload must be an object');
});

test('other database errors: 500 without internals', async () => {
  for (const key of ['internal', 'pt999', 'null']) {
    const r = await get(P.port, `/api/v1/config/${key}`);
    assertError(r, 500, 'internal error');
    assert.ok(!/division|PT999|PTNUL|range|status/.test(r.text));
  }
});

test('{account_id}/{project_id} is passed verbatim as the key; /basic by ids', async () => {
  let r = await get(P.port, '/api/v1/config/5/6');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.text).route, 'key');
  assert.equal(JSON.parse(r.text).sdk_key, '5/6');
  // Not a key: the contract's function answers with the account/project form.
  r = await get(P.port, '/api/v1/config/1/2?environment=live&debug_token=t1');
  assert.equal(r.status, 200);
  assert.equal(r.text, sqlValue(`convert.project_config_by_sdk_key('1/2', 'live', NULL, 't1')`));
  assert.equal(JSON.parse(r.text).route, 'account_project');
  r = await get(P.port, '/api/v1/config/1/2/basic');
  assert.equal(r.status, 200);
  assert.equal(r.text, sqlValue('convert.project_config_basic(1, 2)'));
  // More digits than a bigint holds: only ever an SDK key.
  assertError(await get(P.port, '/api/v1/config/1234567890123456789/2'), 404,
    'unknown sdk key "1234567890123456789/2"');
});

test('ETag: If-None-Match gives 304 with the tag, other tags 200', async () => {
  const first = await get(P.port, '/api/v1/config/big-key');
  const tag = first.headers.etag;
  assert.equal(tag, etagOf(first.raw));
  for (const inm of [tag, `W/${tag}`, `"other", ${tag}`, '*']) {
    const r = await get(P.port, '/api/v1/config/big-key', { 'If-None-Match': inm });
    assert.equal(r.status, 304, inm);
    assert.equal(r.raw.length, 0);
    assert.equal(r.headers.etag, tag);
    assert.equal(r.headers['cache-control'], 'public, max-age=60');
  }
  const r = await get(P.port, '/api/v1/config/big-key', { 'If-None-Match': '"other"' });
  assert.equal(r.status, 200);
  assert.equal(r.text, first.text);
});

test('gzip when accepted; identity otherwise; 304 across both', async () => {
  const plain = await get(P.port, '/api/v1/config/big-key');
  const gz = await get(P.port, '/api/v1/config/big-key', { 'Accept-Encoding': 'gzip, deflate' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  assert.ok(gz.raw.length < plain.raw.length / 4, `${gz.raw.length} vs ${plain.raw.length}`);
  assert.equal(zlib.gunzipSync(gz.raw).toString('utf8'), plain.text);
  assert.equal(gz.headers.etag, etagOf(plain.raw, '-gzip'));
  for (const ae of ['gzip;q=0', 'br', 'identity', 'deflate']) {
    const r = await get(P.port, '/api/v1/config/big-key', { 'Accept-Encoding': ae });
    assert.equal(r.headers['content-encoding'], undefined, ae);
    assert.equal(r.text, plain.text);
  }
  const star = await get(P.port, '/api/v1/config/big-key', { 'Accept-Encoding': '*' });
  assert.equal(star.headers['content-encoding'], 'gzip');
  const nm = await get(P.port, '/api/v1/config/big-key',
    { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag });
  assert.equal(nm.status, 304);
  assert.equal(nm.headers.etag, gz.headers.etag);
  const nm2 = await get(P.port, '/api/v1/config/big-key', { 'If-None-Match': gz.headers.etag });
  assert.equal(nm2.status, 304);
  assert.equal(nm2.headers.etag, plain.headers.etag);
});

test('track: 200 with the function\'s JSON, payload stored exactly', async () => {
  psql('TRUNCATE convert.fake_events');
  const payload = '{"enrichData":true,"accountId":"1","projectId":"2","visitors":[{"visitorId":"visitor-äöü-1","events":[]}],"source":"js-sdk-test"}';
  let r = await post(P.port, '/v1/track/public-key', payload, { Authorization: 'Bearer s3cr3t' });
  assert.equal(r.status, 200);
  assert.equal(r.text, '{"code" : 200, "message" : "stored"}');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['cache-control'], 'no-store');
  // sendBeacon posts text/plain; the account/project form falls back.
  r = await post(P.port, '/v1/track/1/2', payload, { 'Content-Type': 'text/plain;charset=UTF-8' });
  assert.equal(r.status, 200);
  const rows = JSON.parse(psql(`SELECT json_agg(json_build_object('route', route, 'payload', payload::text, 'auth', auth) ORDER BY id) FROM convert.fake_events`));
  assert.deepEqual(rows, [
    { route: 'key:public-key', payload, auth: 'Bearer s3cr3t' },
    { route: 'ap:1/2', payload, auth: null },
  ]);
});

test('track: malformed bodies are 400, not 500', async () => {
  assertError(await post(P.port, '/v1/track/public-key', '{"visitors": ['), 400, 'malformed request data');
  assertError(await post(P.port, '/v1/track/public-key', ''), 400, 'malformed request data');
  assertError(await post(P.port, '/v1/track/public-key', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
    400, 'malformed request data');
  assertError(await post(P.port, '/v1/track/public-key', Buffer.from('{"a":"\0"}')), 400, 'malformed request data');
  assertError(await post(P.port, '/v1/track/unknown', '{}'), 404, 'unknown sdk key');
});

test('body limit: 413 for declared, chunked and exact-limit+1 bodies', async () => {
  const q = await startProxy(['--body-limit', '1000']);
  try {
    const ok = '{"p":"' + 'x'.repeat(1000 - 8) + '"}';
    assert.equal(ok.length, 1000);
    let r = await post(q.port, '/v1/track/public-key', ok);
    assert.equal(r.status, 200);
    assertError(await post(q.port, '/v1/track/public-key', ok + ' '), 413, 'request body too large');
    // Chunked: no Content-Length, the limit is found while reading.
    r = await request(q.port, 'POST', '/v1/track/public-key', {
      headers: { 'Transfer-Encoding': 'chunked' }, body: 'y'.repeat(3000),
    });
    assertError(r, 413, 'request body too large');
    // A client that keeps sending past four times the limit is cut off.
    await assert.rejects(request(q.port, 'POST', '/v1/track/public-key', {
      headers: { 'Transfer-Encoding': 'chunked' }, body: 'y'.repeat(5000),
    }), /socket hang up|ECONNRESET/);
    // Announced too large: refused before the body is sent.
    const c = await rawConnect(q.port);
    c.sock.write('POST /v1/track/public-key HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
    await eventually(() => c.state.closedAt !== null, 5000);
    assert.match(c.state.data, /^HTTP\/1\.1 413 /);
    assert.ok(c.state.data.endsWith('{"code":413,"message":"request body too large"}'));
  } finally {
    await stopProxy(q);
  }
});

test('config cache: second read is a hit; NOTIFY convert_config drops it', async () => {
  const q = await startProxy(['--cache-ttl', '300']);
  try {
    // The listener connects in the background; a hit proves it is up.
    await eventually(async () => {
      await get(q.port, '/api/v1/config/5/6');
      return accessLog(q).at(-1).endsWith(' cache=hit');
    }, 5000);
    const before = await get(q.port, '/api/v1/config/5/6');
    psql(`UPDATE convert.fake_configs SET body = '{"project": {"id": "6"}, "v": 2}' WHERE sdk_key = '5/6'`);
    const after = await eventually(async () => {
      const r = await get(q.port, '/api/v1/config/5/6');
      return r.text !== before.text && r;
    }, 3000, 50);
    assert.deepEqual(JSON.parse(after.text).config, { project: { id: '6' }, v: 2 });
    assert.notEqual(after.headers.etag, before.headers.etag);
    // A secret is checked by the database on every request, cached or not.
    await get(q.port, '/api/v1/config/secret-key', { Authorization: 'Bearer s3cr3t' });
    assertError(await get(q.port, '/api/v1/config/secret-key'), 401, 'missing or wrong sdk key secret');
    assertError(await get(q.port, '/api/v1/config/secret-key', { Authorization: 'Bearer x' }),
      401, 'missing or wrong sdk key secret');
  } finally {
    psql(`UPDATE convert.fake_configs SET body = '{"project": {"id": "6"}}' WHERE sdk_key = '5/6'`);
    await stopProxy(q);
  }
});

test('access log: one line per request, no secrets or query strings', async () => {
  const q = await startProxy(['--cache-ttl', '0']);
  try {
    // Each line is written once its response is sent, so the next request
    // waits for it (else the lines could come in another order).
    const logged = (n) => eventually(() => accessLog(q).length === n && accessLog(q), 5000, 5);
    await get(q.port, '/api/v1/config/secret-key?debug_token=tok-SECRET-1', { Authorization: 'Bearer s3cr3t' });
    await logged(1);
    await get(q.port, '/api/v1/config/no-such-key', { 'convert-debug-token': 'tok-SECRET-2' });
    await logged(2);
    await post(q.port, '/v1/track/public-key', '{}', { Authorization: 'Bearer s3cr3t' });
    await logged(3);
    await get(q.port, '/a%0Ab%22c');
    const lines = await logged(4);
    const re = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 "(\S+) (\S+)" (\d{3}) (\d+) \d+\.\d\dms (\S+)$/;
    const parsed = lines.map((l) => { const m = re.exec(l); assert.ok(m, l); return m.slice(1); });
    assert.deepEqual(parsed.map((m) => [m[0], m[1], m[2], m[4]]), [
      ['GET', '/api/v1/config/secret-key', '200', '-'],
      ['GET', '/api/v1/config/no-such-key', '404', 'sqlstate=PT404'],
      ['POST', '/v1/track/public-key', '200', '-'],
      ['GET', '/a\\x0ab\\x22c', '404', '-'],
    ]);
    assert.equal(parsed[1][3], String('{"code":404,"message":"unknown sdk key \\"no-such-key\\""}'.length));
    const all = lines.join('\n') + q.stderr + q.stdout;
    assert.ok(!/s3cr3t|SECRET|Bearer/.test(all));
  } finally {
    await stopProxy(q);
  }
});

test('idle timeout: a silent connection is closed', async () => {
  const q = await startProxy(['--idle-timeout', '1', '--header-timeout', '30']);
  try {
    const c = await rawConnect(q.port);
    await eventually(() => c.state.closedAt !== null, 5000, 50);
    const took = c.state.closedAt - c.openedAt;
    assert.ok(took >= 900 && took < 4000, `closed after ${took} ms`);
    assert.equal(c.state.data, '');
  } finally {
    await stopProxy(q);
  }
});

test('header timeout: a trickled header is cut off; keep-alive is bounded', async () => {
  const q = await startProxy(['--idle-timeout', '30', '--header-timeout', '1']);
  try {
    const c = await rawConnect(q.port);
    c.sock.write('GET /healthz HTTP/1.1\r\n');
    const timer = setInterval(() => c.sock.write('X-Slow: 1\r\n'), 200);
    await eventually(() => c.state.closedAt !== null, 5000, 50);
    clearInterval(timer);
    const took = c.state.closedAt - c.openedAt;
    assert.ok(took >= 900 && took < 3000, `closed after ${took} ms`);
    assert.equal(c.state.data, '');
    // A complete request is answered; then the next header has 1 s again.
    const k = await rawConnect(q.port);
    k.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => k.state.data.endsWith('{"status":"ok"}'));
    const answered = Date.now();
    await eventually(() => k.state.closedAt !== null, 5000, 50);
    const idle = k.state.closedAt - answered;
    assert.ok(idle >= 700 && idle < 3000, `closed ${idle} ms after the response`);
  } finally {
    await stopProxy(q);
  }
});

test('bounded queue: 503 when saturated, 503 after the queue timeout', async () => {
  const q = await startProxy(['--pool-size', '1', '--queue', '1', '--queue-timeout', '1000', '--cache-ttl', '0']);
  try {
    const t0 = Date.now();
    const a = get(q.port, '/api/v1/config/sleep');        // holds the connection 2 s
    await sleep(300);
    const b = get(q.port, '/healthz');                     // waits in the queue
    await sleep(200);
    const c = await get(q.port, '/healthz');               // queue full
    assertError(c, 503, 'server busy');
    assert.equal(c.headers['retry-after'], '1');
    assert.ok(Date.now() - t0 < 1000);
    const rb = await b;
    assertError(rb, 503, 'server busy');
    const ra = await a;
    assertError(ra, 404, 'unknown sdk key "sleep"');
    assert.ok(Date.now() - t0 >= 2000);
    assert.equal((await get(q.port, '/healthz')).status, 200);
  } finally {
    await stopProxy(q);
  }
});

test('statement timeout: 503 "database timeout"', async () => {
  const q = await startProxy(['--statement-timeout', '300']);
  try {
    assertError(await get(q.port, '/api/v1/config/sleep'), 503, 'database timeout');
    assert.equal((await get(q.port, '/healthz')).status, 200);
  } finally {
    await stopProxy(q);
  }
});

test('connection limit: connections past --max-connections are refused', async () => {
  const q = await startProxy(['--max-connections', '2']);
  try {
    const a = await rawConnect(q.port);
    const b = await rawConnect(q.port);
    const c = await rawConnect(q.port);
    await eventually(() => c.state.closedAt !== null, 3000, 50);
    assert.equal(c.state.data, '');
    a.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => a.state.data.endsWith('{"status":"ok"}'));
    a.sock.destroy();
    b.sock.destroy();
  } finally {
    await stopProxy(q);
  }
});

test('SIGTERM: in-flight requests finish, then a clean exit', async () => {
  const q = await startProxy([]);
  const slow = get(q.port, '/api/v1/config/sleep');
  await sleep(300);
  const t0 = Date.now();
  q.child.kill('SIGTERM');
  const r = await slow;
  assertError(r, 404, 'unknown sdk key "sleep"');
  assert.equal(r.headers.connection, 'close');
  await stopProxy(q);
  assert.ok(Date.now() - t0 >= 1000);
  await assert.rejects(get(q.port, '/healthz'));
});

test('SIGINT: clean exit', async () => {
  const q = await startProxy([]);
  await get(q.port, '/healthz');
  await stopProxy(q, 'SIGINT');
});

test('database down at start: 503, never a crash', async () => {
  const q = await startProxy(['--db', `host=127.0.0.1 port=1 dbname=x connect_timeout=1`]);
  try {
    assertError(await get(q.port, '/healthz'), 503, 'database unavailable');
    assertError(await get(q.port, '/api/v1/config/public-key'), 503, 'database unavailable');
    assertError(await post(q.port, '/v1/track/public-key', '{}'), 503, 'database unavailable');
    assert.match(q.stderr, /0 of 4 database connections up/);
  } finally {
    await stopProxy(q);
  }
});

test('PostgreSQL restart during traffic: 503 while down, then 200', async () => {
  const q = await startProxy(['--pool-size', '3', '--cache-ttl', '0']);
  const seen = new Map();
  let stop = false;
  const paths = ['/healthz', '/api/v1/config/public-key', '/api/v1/config/1/2'];
  const clients = paths.map(async (path, i) => {
    while (!stop) {
      const r = i === 2 && Math.random() < 0.5
        ? await post(q.port, '/v1/track/public-key', '{"restart":true}')
        : await get(q.port, path);
      const key = `${r.status} ${r.text}`;
      seen.set(key, (seen.get(key) || 0) + 1);
      if (![200, 503].includes(r.status)) throw new Error(`unexpected ${key}`);
      await sleep(20);
    }
  });
  try {
    await sleep(500);
    cluster('stop');
    await eventually(async () => (await get(q.port, '/healthz')).status === 503, 5000);
    await sleep(500);
    cluster('start');
    await eventually(async () => (await get(q.port, '/healthz')).status === 200, 10000);
    await eventually(async () => (await get(q.port, '/api/v1/config/public-key')).status === 200, 5000);
    await sleep(500);
  } finally {
    stop = true;
    await Promise.all(clients);
    await stopProxy(q);
  }
  const statuses = [...seen.keys()].map((k) => k.slice(0, 3));
  assert.ok(statuses.includes('503'), JSON.stringify([...seen]));
  assert.ok(statuses.includes('200'));
  for (const k of seen.keys()) {
    if (k.startsWith('503')) assert.match(k, /^503 \{"code":503,"message":"database (unavailable|timeout)"\}$/);
  }
});

test('settings: env vars, bad values, --help', async () => {
  const q = await startProxy([], { env: { CONVERT_PROXY_POOL_SIZE: '1', CONVERT_PROXY_BODY_LIMIT: '10' } });
  try {
    assertError(await post(q.port, '/v1/track/public-key', '{"a":12345}'), 413, 'request body too large');
  } finally {
    await stopProxy(q);
  }
  const bad = await startProxy(['--pool-size', '0'], { expectFail: true });
  assert.deepEqual(await bad.exit, { code: 2, signal: null });
  assert.equal(bad.stderr, 'convert-proxy: invalid value for --pool-size (see --help)\n');
  const unknown = await startProxy(['--nope=1'], { expectFail: true });
  assert.equal((await unknown.exit).code, 2);
  assert.equal(unknown.stderr, 'convert-proxy: unknown option "--nope=1" (see --help)\n');
  const help = await startProxy(['--help'], { expectFail: true });
  assert.equal((await help.exit).code, 0);
  assert.match(help.stdout, /--pool-size +connections to each database server \(default 4\)/);
});

test('stop: the shared proxy exits cleanly', async () => {
  await stopProxy(P);
});

// Through PgBouncer (run_http.sh ... pgbouncer): what that mode changes.
if (process.env.PGBOUNCER_PORT) await import('./pgbouncer_test.mjs');

await run(SUITE, { after: stopAll });
