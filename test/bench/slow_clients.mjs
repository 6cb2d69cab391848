// Slow clients for proxy_hostile_bench.sh: from each given loopback address,
// keep `per` connections open, each sending a POST body one byte every
// 500 ms; a connection the proxy cuts with a 408 is replaced at once, one
// it refuses (over the per-client limit) after a second.  Stops by itself
// after `seconds` and prints what it saw.
//
//   node slow_clients.mjs PORT SECONDS PER ADDRESS...
import net from 'node:net';

const [port, seconds, per, ...addresses] = process.argv.slice(2);
const until = Date.now() + Number(seconds) * 1000;
const seen = { opened: 0, timeouts: 0, refused: 0 };

function slowClient(localAddress) {
  if (Date.now() >= until) return;
  const sock = net.connect({ host: '127.0.0.1', port: Number(port), localAddress });
  let data = '';
  let timer = null;
  sock.on('connect', () => {
    seen.opened++;
    sock.write('POST /v1/track/bench-key HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    timer = setInterval(() => sock.write('x'), 500);
  });
  sock.on('data', (d) => { data += d; });
  sock.on('error', () => {});
  sock.on('close', () => {
    clearInterval(timer);
    const cut = data.startsWith('HTTP/1.1 408');
    if (cut) seen.timeouts++;
    else seen.refused++;
    setTimeout(() => slowClient(localAddress), cut ? 0 : 1000);
  });
  setTimeout(() => sock.destroy(), Math.max(0, until - Date.now()));
}

for (const a of addresses) for (let i = 0; i < Number(per); i++) slowClient(a);
setTimeout(() => {
  console.log(`slow clients: ${seen.opened} connections, ${seen.timeouts} cut with 408, ${seen.refused} closed otherwise`);
  process.exit(0);
}, Number(seconds) * 1000 + 200);
