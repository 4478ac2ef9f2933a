// Stand-alone script (not a module to import): a UDP relay that makes a bad path on
// purpose, because this kernel has no netem. Run inside a namespace:
//   node udp-chaos-relay.js <listen-port> <target-host> <target-port> <loss%> <reorder%> <dup%> <seed>
// The first sender becomes "the client"; its datagrams go to the target and the target's
// answers come back to it. Each datagram, either way, is dropped with probability loss%,
// duplicated with dup%, and with reorder% held back and released after the next one.
// Prints "RELAYING <port>" when ready and a JSON line of counts on SIGTERM.
import dgram from 'node:dgram';

const [listenPort, targetHost, targetPort, loss, reorder, dup, seedText] = process.argv.slice(2);
if (seedText === undefined || targetHost === undefined) {
  process.stderr.write(
    'usage: udp-chaos-relay <listen-port> <target-host> <target-port> <loss%> <reorder%> <dup%> <seed>\n',
  );
  process.exit(2);
}
const lossP = Number(loss) / 100;
const reorderP = Number(reorder) / 100;
const dupP = Number(dup) / 100;

// xorshift32: reproducible chaos for a given seed.
let state = Number(seedText) >>> 0 || 1;
function random(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 0x100000000;
}

const counts = { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
const family = targetHost.includes(':') ? 'udp6' : 'udp4';
const socket = dgram.createSocket(family);
let client: { address: string; port: number } | null = null;
// One held-back datagram per direction, released after the next one passes.
const held = new Map<string, { data: Buffer; address: string; port: number }>();

function emit(data: Buffer, address: string, port: number): void {
  counts.forwarded++;
  socket.send(data, port, address);
}

function pass(direction: string, data: Buffer, address: string, port: number): void {
  if (random() < lossP) {
    counts.dropped++;
    return;
  }
  const waiting = held.get(direction);
  if (!waiting && random() < reorderP) {
    counts.reordered++;
    held.set(direction, { data, address, port });
    return;
  }
  emit(data, address, port);
  if (random() < dupP) {
    counts.duplicated++;
    emit(data, address, port);
  }
  if (waiting) {
    held.delete(direction);
    emit(waiting.data, waiting.address, waiting.port);
  }
}

socket.on('message', (data, from) => {
  const fromTarget = from.address === targetHost && from.port === Number(targetPort);
  if (fromTarget) {
    if (client) pass('down', data, client.address, client.port);
    return;
  }
  client = { address: from.address, port: from.port };
  pass('up', data, targetHost, Number(targetPort));
});
socket.on('error', (e) => {
  process.stderr.write(`udp-chaos-relay: ${e.message}\n`);
  process.exit(1);
});
socket.bind(Number(listenPort), () => {
  process.stdout.write(`RELAYING ${socket.address().port}\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
});
