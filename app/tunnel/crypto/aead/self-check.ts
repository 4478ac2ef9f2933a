/**
 * Start-up check of a native transport AEAD against known answers and against
 * @noble/ciphers: a library that loads but computes something else (a broken
 * build, a wrong binding) must never carry traffic.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { nobleAead } from './noble.js';
import { AEAD_TAG_BYTES, type TransportAead } from './types.js';

/**
 * Known answers: key 0x80..0x9f, plaintext byte i = (31 i + length) & 0xff,
 * nonce from (counterHi, counterLo). Computed with OpenSSL (Node's
 * 'chacha20-poly1305') and @noble/ciphers, which agree. `sealed` is the
 * ciphertext and tag in hex, or their SHA-256 for the long one.
 */
const KNOWN: { length: number; hi: number; lo: number; sealed?: string; sha256?: string }[] = [
  { length: 0, hi: 0, lo: 0, sealed: '3ae5d3f2a376d317eaea5aef0215ba54' },
  { length: 1, hi: 0, lo: 1, sealed: 'e24df6c71bc8df0f57033a1a7289e52747' },
  {
    length: 17,
    hi: 0x01020304,
    lo: 0xfffffffe,
    sealed: '22f195b6af7c6a23fa9fe93ef3dba72c528c037c1c6f82a5c49023dff3b4ff562d',
  },
  {
    length: 64,
    hi: 0xffffffff,
    lo: 0x7fffffff,
    sealed:
      '27ee5d26375df89e1322bf12e8089f7ef34b13495043af3beb3bf76ce91b856123beb229833f338300041d53b15b56' +
      '874a85efbcdff408f98e7bdc5b5cca300fc3c140cfc908b00e970d7023d6a029e8',
  },
  {
    length: 1420,
    hi: 7,
    lo: 123456789,
    sha256: 'b2f8d768c8cb1516dca9e5911387fc444724795d442edd5fc2f6a642afcb06ee',
  },
];

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function sealCopy(aead: TransportAead, key: Uint8Array, hi: number, lo: number, p: Uint8Array) {
  const out = new Uint8Array(p.length + AEAD_TAG_BYTES);
  aead.seal(key, hi, lo, p, out);
  return out;
}

/**
 * Returns null if `candidate` agrees with the known answers and with @noble on
 * `randomRounds` random keys, counters and lengths (sealing copied and in
 * place, opening, rejecting a flipped bit); otherwise what went wrong.
 */
export function checkTransportAead(candidate: TransportAead, randomRounds = 48): string | null {
  const reference = nobleAead();
  const key = new Uint8Array(32).map((_, i) => 0x80 + i);
  for (const k of KNOWN) {
    const plain = new Uint8Array(k.length).map((_, i) => (i * 31 + k.length) & 0xff);
    const sealed = sealCopy(candidate, key, k.hi, k.lo, plain);
    const got = k.sha256 ? createHash('sha256').update(sealed).digest('hex') : hex(sealed);
    if (got !== (k.sha256 ?? k.sealed)) return `known answer for ${k.length} bytes differs`;
    const opened = new Uint8Array(k.length);
    if (!candidate.open(key, k.hi, k.lo, sealed, opened) || hex(opened) !== hex(plain)) {
      return `known answer for ${k.length} bytes does not open`;
    }
  }
  for (let r = 0; r < randomRounds; r++) {
    const k = randomBytes(32);
    const hi = randomInt(2 ** 32);
    const lo = randomInt(2 ** 32);
    // Mostly packet sizes, now and then up to a full 64 KiB datagram.
    const length = r % 16 === 15 ? randomInt(65_536 - 32) : randomInt(1501);
    const plain = new Uint8Array(randomBytes(length));
    const expected = sealCopy(reference, k, hi, lo, plain);
    const got = sealCopy(candidate, k, hi, lo, plain);
    if (hex(got) !== hex(expected)) return `sealing ${length} bytes differs from @noble`;
    const inPlace = new Uint8Array(length + AEAD_TAG_BYTES);
    inPlace.set(plain);
    candidate.seal(k, hi, lo, inPlace.subarray(0, length), inPlace);
    if (hex(inPlace) !== hex(expected)) return `sealing ${length} bytes in place differs`;
    if (!candidate.open(k, hi, lo, inPlace, inPlace.subarray(0, length))) {
      return `opening ${length} bytes in place failed`;
    }
    if (hex(inPlace.subarray(0, length)) !== hex(plain)) return `opening ${length} bytes differs`;
    const forged = expected.slice();
    forged[randomInt(forged.length)]! ^= 1 << randomInt(8);
    if (candidate.open(k, hi, lo, forged, new Uint8Array(length))) {
      return `a forged ${length}-byte message was accepted`;
    }
  }
  return null;
}
