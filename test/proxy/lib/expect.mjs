// Exact expectations shared by the proxy suites.
import { assert } from './harness.mjs';

// The proxy's entity tag: body length and 64-bit FNV-1a, both in hex.
export function etagOf(buf, suffix = '') {
  let h = 0xcbf29ce484222325n;
  for (const b of buf) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `"${buf.length.toString(16)}-${h.toString(16).padStart(16, '0')}${suffix}"`;
}

export function assertError(res, status, message) {
  assert.equal(res.status, status, `status (body ${res.text})`);
  assert.equal(res.text, JSON.stringify({ code: status, message }));
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)));
}
