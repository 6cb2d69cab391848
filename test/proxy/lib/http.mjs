// HTTP clients for the tests: whole requests over node:http (a fresh
// connection each, so no test depends on another's socket), and raw
// sockets for what an HTTP library would hide (timeouts, keep-alive).
import http from 'node:http';
import net from 'node:net';

export function request(port, method, path, { headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, raw, text: raw.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const get = (port, path, headers = {}) => request(port, 'GET', path, { headers });

export function post(port, path, body, headers = {}) {
  return request(port, 'POST', path, {
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

// A raw TCP connection: write() strings, and wait for close or data.
// localAddress (any 127.x.y.z on Linux) makes it another client address.
export function rawConnect(port, { localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port, localAddress }, () => {
      const state = { data: '', closedAt: null };
      sock.on('data', (d) => { state.data += d.toString('latin1'); });
      sock.on('close', () => { state.closedAt = Date.now(); });
      sock.on('error', () => {});
      resolve({ sock, state, openedAt: Date.now() });
    });
    sock.on('error', reject);
  });
}
