import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimJob } from '../../../app/tunnel/crypto/jobs.js';
import { COUNT, EPOCH_SHIFT, Lane, NEXT } from '../../../app/tunnel/crypto/lane.js';
import { CryptoPool, type CryptoPoolOptions } from '../../../app/tunnel/crypto/pool.js';
import {
  openTransport,
  paddedLength,
  sealTransport,
} from '../../../app/tunnel/wireguard/transport.js';

const key = new Uint8Array(32).map((_, i) => i * 7 + 1);

/** Packet n: length varies with n, bytes derived from n, so any mix-up shows. */
function packet(n: number): Uint8Array {
  const len = 1 + ((n * 37) % 1400);
  return new Uint8Array(len).map((_, i) => (n + i) & 0xff);
}

interface Collected {
  sealed: { tag: number; message: Uint8Array }[];
  opened: { tag: number; plaintext: Uint8Array | null }[];
  drains: number;
}

function makePool(options: CryptoPoolOptions) {
  const got: Collected = { sealed: [], opened: [], drains: 0 };
  let onDrain = () => {};
  const pool = new CryptoPool<number, number>(
    {
      sealed: (tag, message) => got.sealed.push({ tag, message: message.slice() }),
      opened: (tag, plaintext) => got.opened.push({ tag, plaintext: plaintext?.slice() ?? null }),
      drained: () => {
        got.drains++;
        onDrain();
      },
    },
    options,
  );
  const settled = (n: number, which: 'sealed' | 'opened') =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (got[which].length >= n) resolve();
      };
      onDrain = check;
      check();
    });
  return { pool, got, settled };
}

for (const [workers, submitterHelps] of [
  [0, true],
  [1, true],
  [2, true],
  [2, false],
] as const) {
  test(`${workers} workers${submitterHelps ? '' : ', submitter idle'}: sealing matches sealTransport byte for byte, in order`, async () => {
    const { pool, got, settled } = makePool({ workers, submitterHelps });
    try {
      const N = 700;
      for (let n = 0; n < N; n++) {
        const p = packet(n);
        pool.seal(key, 0xabcd0123, 0, n, p, paddedLength(p.length, 1420), n);
        if (n % 50 === 49) pool.submit();
      }
      pool.submit();
      await settled(N, 'sealed');
      assert.deepEqual(
        got.sealed.map((s) => s.tag),
        Array.from({ length: N }, (_, n) => n),
      );
      for (const { tag: n, message } of got.sealed) {
        const p = packet(n);
        const expected = sealTransport(key, 0xabcd0123, 0, n, p, paddedLength(p.length, 1420));
        assert.deepEqual(message, expected, `message ${n}`);
      }
    } finally {
      await pool.close();
    }
  });
}

test('opening returns the padded plaintext in order; a forged message comes back as null', async () => {
  const { pool, got, settled } = makePool({ workers: 2 });
  try {
    const N = 300;
    for (let n = 0; n < N; n++) {
      const p = packet(n);
      const m = sealTransport(key, 7, 1, n, p, paddedLength(p.length, 1420));
      if (n % 97 === 5) m[20]! ^= 0x40;
      pool.open(key, m, n);
    }
    pool.submit();
    await settled(N, 'opened');
    assert.deepEqual(
      got.opened.map((o) => o.tag),
      Array.from({ length: N }, (_, n) => n),
    );
    for (const { tag: n, plaintext } of got.opened) {
      const p = packet(n);
      if (n % 97 === 5) {
        assert.equal(plaintext, null, `forged ${n}`);
        continue;
      }
      assert.ok(plaintext, `opened ${n}`);
      assert.deepEqual(plaintext.subarray(0, p.length), p);
      assert.ok(
        plaintext.subarray(p.length).every((b) => b === 0),
        'zero padding',
      );
      const ref = openTransport(key, sealTransport(key, 7, 1, n, p, paddedLength(p.length, 1420)));
      assert.deepEqual(plaintext, ref);
    }
    assert.equal(pool.stats.openFailures, 4);
  } finally {
    await pool.close();
  }
});

test('with every lane busy the main thread helps instead of dropping, and order holds', async () => {
  const { pool, got, settled } = makePool({
    workers: 1,
    lanes: 2,
    laneDataBytes: 70_000,
    // Only the worker claims jobs, so lanes back up and the ring runs full.
    submitterHelps: false,
  });
  try {
    const N = 2000;
    for (let n = 0; n < N; n++) {
      const p = packet(n);
      pool.seal(key, 1, 0, n, p, paddedLength(p.length, 1420), n);
    }
    pool.submit();
    await settled(N, 'sealed');
    assert.deepEqual(
      got.sealed.map((s) => s.tag),
      Array.from({ length: N }, (_, n) => n),
    );
    assert.ok(pool.stats.helped > 0, 'the main thread had to help');
    assert.ok(pool.stats.lanesSubmitted > 20, 'many lanes went through a ring of two');
  } finally {
    await pool.close();
  }
});

test('a lone small batch runs inline and is delivered before submit() returns', async () => {
  const { pool, got } = makePool({ workers: 2 });
  try {
    pool.seal(key, 1, 0, 0, packet(1), 16, 1);
    pool.submit();
    assert.equal(got.sealed.length, 1);
    assert.equal(pool.stats.lanesInline, 1);
  } finally {
    await pool.close();
  }
});

test('queuing from inside a result handler is refused; close() delivers what was queued', async () => {
  let pool: CryptoPool<number, number> | undefined;
  let error: unknown;
  const delivered: number[] = [];
  pool = new CryptoPool<number, number>(
    {
      sealed: (tag) => {
        delivered.push(tag);
        try {
          pool?.seal(key, 1, 0, 9, packet(9), 16, 9);
        } catch (e) {
          error = e;
        }
      },
      opened: () => {},
      drained: () => {},
    },
    { workers: 1, inlineMaxJobs: 0 },
  );
  for (let n = 0; n < 5; n++) pool.seal(key, 1, 0, n, packet(n), 1408, n);
  await pool.close();
  assert.deepEqual(delivered, [0, 1, 2, 3, 4]);
  assert.match(String(error), /drained\(\)/);
});

test('jobs queued from drained() while lanes are full and being handed over are neither lost nor reordered', async () => {
  // The engine queues replies from drained(); with a tiny ring that re-enters the pool
  // while it is submitting or recycling lanes.
  const delivered: number[] = [];
  let next = 1000;
  let pool: CryptoPool<number, number> | undefined;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  pool = new CryptoPool<number, number>(
    {
      sealed: (tag) => delivered.push(tag),
      opened: () => {},
      drained: () => {
        if (next < 1300) {
          for (let i = 0; i < 7 && next < 1300; i++) {
            pool?.seal(key, 1, 0, next, packet(next), 1408, next++);
          }
          pool?.submit();
        }
        if (delivered.length === 600 + 300) resolveDone();
      },
    },
    { workers: 1, lanes: 2, laneDataBytes: 70_000 },
  );
  try {
    for (let n = 0; n < 600; n++) pool.seal(key, 1, 0, n, packet(n), 1408, n);
    pool.submit();
    await done;
    const first = delivered.filter((t) => t < 1000);
    const later = delivered.filter((t) => t >= 1000);
    assert.deepEqual(
      first,
      Array.from({ length: 600 }, (_, n) => n),
    );
    assert.deepEqual(
      later,
      Array.from({ length: 300 }, (_, n) => 1000 + n),
    );
    assert.equal(new Set(delivered).size, 900, 'each job delivered once');
  } finally {
    await pool.close();
  }
});

test('stress: 12 000 tiny lanes through a ring of two, every thread claiming; nothing is lost', async () => {
  // Lanes are reused as fast as possible while workers may still be looping over their
  // previous submission: a stale claim must never swallow a job of the next one.
  const { pool, got, settled } = makePool({
    workers: 2,
    lanes: 2,
    laneDataBytes: 70_000,
    inlineMaxJobs: 0,
  });
  try {
    const N = 36_000;
    for (let n = 0; n < N; n++) {
      pool.seal(key, 1, 0, n, packet(n % 7), 16, n);
      if (n % 3 === 2) pool.submit();
      if (n % 300 === 299) await new Promise((r) => setImmediate(r));
    }
    pool.submit();
    await Promise.race([
      settled(N, 'sealed'),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`stalled at ${got.sealed.length}`)), 20_000),
      ),
    ]);
    assert.equal(got.sealed.length, N);
    assert.ok(
      got.sealed.every((s, i) => s.tag === i),
      'in order',
    );
  } finally {
    await pool.close();
  }
});

test('a thread still working on an earlier submission of a lane cannot claim jobs of the next', () => {
  const lane = Lane.allocate(70_000);
  const c = lane.control;
  const submit = (epoch: number, count: number) => {
    Atomics.store(c, COUNT, count);
    Atomics.store(c, NEXT, epoch << EPOCH_SHIFT);
  };
  submit(1, 1);
  assert.equal(claimJob(c, 1, 1), 0);
  assert.equal(claimJob(c, 1, 1), -1, 'epoch 1 has no more jobs');
  // The lane is delivered and submitted again with three jobs; a late thread that read
  // epoch 1 (count 1) tries once more, then the current epoch claims all three.
  submit(2, 3);
  assert.equal(claimJob(c, 1, 1), -1, 'stale epoch claims nothing');
  assert.equal(claimJob(c, 1, 3), -1, 'even with a count that would allow it');
  assert.deepEqual([claimJob(c, 2, 3), claimJob(c, 2, 3), claimJob(c, 2, 3)], [0, 1, 2]);
  assert.equal(claimJob(c, 2, 3), -1);
  // The epoch wraps within its 16 bits.
  submit(0xffff, 1);
  assert.equal(claimJob(c, 0xffff, 1), 0);
});
