// Start and stop convert-proxy processes for the tests.  Every proxy
// listens on a port the kernel picks (--listen 127.0.0.1:0) and reports it
// on stderr; stop() sends SIGTERM and returns the exit code and stderr, so
// the sanitizer build's reports (and leaks) fail the test that stopped it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.PROXY_BIN;
// Flags every proxy gets before the test's own (which win): run_http.sh
// points them at a PgBouncer this way.
const COMMON_ARGS = JSON.parse(process.env.PROXY_ARGS || '[]');
const running = new Set();
// Scratch folders of every proxy started, removed at exit whatever
// happened (a proxy expected to fail, or a test that threw, never reaches
// stopProxy's own clean-up).
const scratchDirs = new Set();

export async function startProxy(args = [], { env = {}, expectFail = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-proxy-'));
  scratchDirs.add(dir);
  const logFile = path.join(dir, 'access.log');
  const child = spawn(BIN, ['--listen', '127.0.0.1:0', '--access-log', logFile, ...COMMON_ARGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = { child, dir, logFile, stderr: '', stdout: '', port: 0, exited: null };
  child.stdout.on('data', (d) => { p.stdout += d; });
  child.stderr.on('data', (d) => { p.stderr += d; });
  p.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    p.exited = { code, signal };
    running.delete(p);
    resolve(p.exited);
  }));
  running.add(p);
  if (expectFail) return p;
  const deadline = Date.now() + 20000;
  while (!p.port) {
    const m = /listening on .*:(\d+)\n/.exec(p.stderr);
    if (m) p.port = Number(m[1]);
    else if (p.exited) throw new Error(`proxy exited early: ${p.stderr}`);
    else if (Date.now() > deadline) throw new Error(`proxy did not start: ${p.stderr}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  return p;
}

// Sanitizer and valgrind reports that must never appear.
const REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

export async function stopProxy(p, signal = 'SIGTERM') {
  if (!p.exited) p.child.kill(signal);
  const result = await Promise.race([
    p.exit,
    new Promise((r) => setTimeout(() => r(null), 30000)),
  ]);
  if (result === null) {
    p.child.kill('SIGKILL');
    throw new Error('proxy did not stop within 30 s');
  }
  if (REPORT.test(p.stderr)) throw new Error(`sanitizer report:\n${p.stderr}`);
  if (result.code !== 0) throw new Error(`proxy exited with ${JSON.stringify(result)}: ${p.stderr}`);
  fs.rmSync(p.dir, { recursive: true, force: true });
  return result;
}

export function accessLog(p) {
  return fs.existsSync(p.logFile) ? fs.readFileSync(p.logFile, 'utf8').split('\n').filter(Boolean) : [];
}

// Never leave a proxy behind, whatever happened.
export async function stopAll() {
  for (const p of [...running]) p.child.kill('SIGKILL');
}
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});
