// Stand-alone script (not a module to import) run inside a namespace by traffic.ts to move
// random bytes over one TCP connection and hash them on both ends.
//   node tcp-peer.js recv <bind-address> <port|0>
//       prints "LISTENING <port>", takes one connection, then prints
//       {"bytes":N,"sha256":"…","seconds":S} when the sender has finished, and exits.
//   node tcp-peer.js send <address> <port> <bytes>
//       sends that many random bytes, then prints {"bytes":N,"sha256":"…"} and exits.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

const CHUNK = 64 * 1024;

function fail(message: string): never {
  process.stderr.write(`tcp-peer: ${message}\n`);
  process.exit(1);
}

function parsePort(s: string | undefined): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`bad port ${String(s)}`);
  return n;
}

function receive(host: string, port: number): void {
  const server = net.createServer({ allowHalfOpen: true });
  server.maxConnections = 1;
  server.on('error', (e) => fail(`listen ${host}:${port}: ${e.message}`));
  server.on('connection', (socket) => {
    server.close();
    const started = process.hrtime.bigint();
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (b: Buffer) => {
      hash.update(b);
      bytes += b.length;
    });
    socket.on('error', (e) => fail(`receive: ${e.message}`));
    socket.on('end', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`${JSON.stringify({ bytes, sha256: hash.digest('hex'), seconds })}\n`);
      socket.end();
    });
  });
  server.listen(port, host, () => {
    const addr = server.address();
    if (addr === null || typeof addr === 'string') fail('could not read the listening port');
    process.stdout.write(`LISTENING ${addr.port}\n`);
  });
}

function send(host: string, port: number, total: number): void {
  const hash = createHash('sha256');
  let sent = 0;
  const socket = net.connect({ host, port });
  socket.on('error', (e) => fail(`send to ${host}:${port}: ${e.message}`));
  // Writes until the kernel buffer is full, then resumes on 'drain' (bounded memory).
  const pump = () => {
    while (sent < total) {
      const chunk = randomBytes(Math.min(CHUNK, total - sent));
      hash.update(chunk);
      sent += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
    socket.end();
  };
  socket.on('connect', pump);
  // 'close' after our FIN was acknowledged and the receiver closed its side, i.e. it has
  // everything.
  socket.on('close', (hadError) => {
    if (hadError) return;
    process.stdout.write(`${JSON.stringify({ bytes: sent, sha256: hash.digest('hex') })}\n`);
  });
  socket.resume();
}

const [mode, host, portArg, bytesArg] = process.argv.slice(2);
if (mode === 'recv' && host !== undefined) {
  receive(host, parsePort(portArg));
} else if (mode === 'send' && host !== undefined) {
  const total = Number(bytesArg);
  if (!Number.isSafeInteger(total) || total < 0) fail(`bad byte count ${String(bytesArg)}`);
  send(host, parsePort(portArg), total);
} else {
  fail('usage: tcp-peer.js recv <address> <port> | send <address> <port> <bytes>');
}
