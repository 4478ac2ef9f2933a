// Stand-alone script (not a module to import): floods a WireGuard responder with handshake
// initiations that carry a VALID mac1 for its public key, as an attacker who knows only that
// key can. Run inside a namespace:
//   node handshake-flooder.js <target-host> <target-port> <public-key-base64> <per-second> <seconds>
// A few real initiations (from throwaway identities, built by the project's own core) are
// replayed round-robin: each still passes mac1, and a responder that is not under load does
// Diffie-Hellman work on it before it can tell the sender is unknown.
// Sends in one GSO sendmsg per ~1 ms tick, keeping the cumulative count on rate * elapsed.
// Prints "FLOODING <port>" when ready and, when done (or on SIGTERM), a JSON line with what
// was sent, the rate achieved per second, and the cookie replies that came back.
import { loadAddon } from '../../app/native/addon.js';
import { parseIp } from '../../app/config/ip.js';
import { INITIATION_SIZE, MESSAGE_COOKIE_REPLY } from '../../app/tunnel/wireguard/constants.js';
import { WireGuardDevice } from '../../app/tunnel/wireguard/device.js';
import { decodeKey, generatePrivateKey } from '../../app/tunnel/wireguard/keys.js';
import type { Effect } from '../../app/tunnel/wireguard/types.js';

const [host, portText, keyText, rateText, secondsText] = process.argv.slice(2);
const target = host === undefined ? null : parseIp(host);
const port = Number(portText);
const rate = Number(rateText);
const seconds = Number(secondsText);
if (
  target === null ||
  keyText === undefined ||
  !Number.isInteger(port) ||
  !(rate > 0) ||
  !(seconds > 0)
) {
  process.stderr.write(
    'usage: handshake-flooder <target-host> <target-port> <public-key-base64> <per-second> <seconds>\n',
  );
  process.exit(2);
}
const responderKey = decodeKey(keyText);

/** Distinct initiations to replay, laid out back to back (one GSO segment each). */
const DISTINCT = 4;
/** Most datagrams per sendmsg: a late tick catches up in several sends, not one huge one. */
const MAX_PER_SEND = 40;

function initiation(): Uint8Array {
  const device = new WireGuardDevice({ privateKey: generatePrivateKey(), now: 0 });
  device.addPeer({ publicKey: responderKey, endpoint: { host: host!, port }, allowedIps: [] });
  const out: Effect[] = [];
  device.probePeers(0, out);
  const message = out.find((e) => e.type === 'udp');
  if (!message || message.type !== 'udp' || message.data.length !== INITIATION_SIZE)
    throw new Error('the core built no initiation');
  return message.data;
}

const messages = Array.from({ length: DISTINCT }, initiation);
// The same messages over and over: a payload for any count up to MAX_PER_SEND.
const payload = new Uint8Array(MAX_PER_SEND * INITIATION_SIZE);
for (let i = 0; i < MAX_PER_SEND; i++) payload.set(messages[i % DISTINCT]!, i * INITIATION_SIZE);

const udp = loadAddon().openUdp({ port: 0 });
let replies = 0;
let otherReplies = 0;
udp.start((batch) => {
  for (let i = 0; i < batch.count; i++) {
    if (batch.data[batch.offsets[i]!] === MESSAGE_COOKIE_REPLY) replies++;
    else otherReplies++;
  }
});

let sent = 0;
let sendErrors = 0;
let maxTickGapMs = 0;
const perSecond: number[] = new Array<number>(Math.ceil(seconds)).fill(0);
const start = performance.now();
let lastTick = start;

function report(): void {
  // The sending time: the wait for late replies at the end is not part of it.
  const elapsed = Math.min((performance.now() - start) / 1000, seconds);
  process.stdout.write(
    `${JSON.stringify({
      sent,
      sendErrors,
      seconds: Number(elapsed.toFixed(3)),
      ratePerSecond: Math.round(sent / elapsed),
      perSecond,
      maxTickGapMs: Number(maxTickGapMs.toFixed(2)),
      cookieReplies: replies,
      otherReplies,
    })}\n`,
  );
}

function tick(): void {
  const now = performance.now();
  maxTickGapMs = Math.max(maxTickGapMs, now - lastTick);
  lastTick = now;
  const elapsedMs = Math.min(now - start, seconds * 1000);
  let due = Math.floor((elapsedMs * rate) / 1000) - sent;
  while (due > 0) {
    const n = Math.min(due, MAX_PER_SEND);
    const err = udp.sendSegments(
      payload.subarray(0, n * INITIATION_SIZE),
      INITIATION_SIZE,
      target!.bytes,
      port,
    );
    if (err !== 0) sendErrors++;
    else {
      sent += n;
      const second = Math.floor(elapsedMs / 1000);
      perSecond[Math.min(second, perSecond.length - 1)]! += n;
    }
    due -= n;
    if (err !== 0) break;
  }
  if (elapsedMs >= seconds * 1000) {
    clearInterval(timer);
    // A moment for the last replies to arrive.
    setTimeout(() => {
      report();
      udp.close();
      process.exit(0);
    }, 300);
  }
}

const timer = setInterval(tick, 1);
process.on('SIGTERM', () => {
  report();
  process.exit(0);
});
process.stdout.write(`FLOODING ${udp.port}\n`);
