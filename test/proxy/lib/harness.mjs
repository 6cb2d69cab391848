// A minimal sequential test runner: each test is an async function that
// throws on failure; the last line is "<suite>: N passed, N failed".
import assert from 'node:assert/strict';

const tests = [];
const only = process.env.PROXY_TEST_ONLY || '';

// Thrown by a test whose subject is not installed yet: reported as skipped
// with its reason, never counted as passed.
export class Pending extends Error {}

export function test(name, fn) {
  tests.push({ name, fn });
}

export async function run(suite, { after } = {}) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const t of tests) {
    if (only && !t.name.includes(only)) continue;
    const started = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
    } catch (err) {
      if (err instanceof Pending) {
        skipped++;
        console.log(`SKIP ${t.name}: ${err.message}`);
        continue;
      }
      failed++;
      console.log(`FAIL ${t.name}\n     ${String(err && err.stack || err).split('\n').join('\n     ')}`);
    }
  }
  if (after) {
    try {
      await after();
    } catch (err) {
      failed++;
      console.log(`FAIL cleanup: ${err && err.stack || err}`);
    }
  }
  console.log(`${suite}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  // Exit now: the SDK keeps refresh and release timers that would hold the
  // process (and the test runner waiting on it) open forever.
  process.exit(failed === 0 ? 0 : 1);
}

export { assert };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll fn until it returns a truthy value or the time is up.
export async function eventually(fn, ms = 5000, step = 100) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await sleep(step);
  }
  throw new Error(`condition not met within ${ms} ms (last: ${last})`);
}
