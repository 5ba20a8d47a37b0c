/**
 * The worker lease (src/delivery/worker-lease.ts) on a store: one holder at a time, fenced;
 * a standby takes over once the holder's record expires, or at once when the holder's PID is
 * gone on this machine; a paused holder finds the lease gone before its next send; run()
 * starts and stops the work as the lease comes and goes.
 */
import { describe, expect, it } from 'vitest';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { WorkerLease, type LeasedWork } from '../../src/delivery/worker-lease.js';
import { silentLogger } from '../../src/ops/logger.js';

async function setup() {
  const kv = await openKeyValue('memory');
  const store = createStore(kv);
  let now = 0;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const lease = (pid: number, alive: Set<number>, extra: { ttlMs?: number; renewEveryMs?: number; retryEveryMs?: number } = {}) =>
    new WorkerLease(kv, store, 'telegram', { logger: silentLogger(), now: clock.now, machine: 'm1', pid, pidAlive: (p) => alive.has(p), ...extra });
  return { kv, store, clock, lease };
}

describe('worker lease', () => {
  it('has one holder at a time, raises the fence on each acquisition, and is taken over once it expires', async () => {
    const { lease, clock, kv } = await setup();
    const alive = new Set([1, 2]);
    const a = lease(1, alive, { ttlMs: 300, renewEveryMs: 100 });
    const b = lease(2, alive, { ttlMs: 300, renewEveryMs: 100 });
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(a.held).toBe(true);
    expect(a.fence).toBe(1);
    expect(await a.renew()).toBe(true);
    // a is paused past its TTL: locally it no longer holds the lease…
    clock.advance(300);
    expect(a.held).toBe(false);
    // …and once the record expired in the store, b takes it with a higher fence.
    await new Promise((r) => setTimeout(r, 320));
    expect(await b.tryAcquire()).toBe(true);
    expect(b.fence).toBe(2);
    // a wakes up: its renewal is refused (another token holds the record).
    expect(await a.renew()).toBe(false);
    expect(a.held).toBe(false);
    expect((await b.holder())?.pid).toBe(2);
    await kv.close();
  });

  it('takes over at once from a holder on this machine whose process is gone', async () => {
    const { lease } = await setup();
    const alive = new Set([1, 2]);
    const a = lease(1, alive);
    const b = lease(2, alive);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    alive.delete(1); // kill -9
    expect(await b.tryAcquire()).toBe(true);
    expect(b.fence).toBe(2);
  });

  it('a released lease is free at once', async () => {
    const { lease } = await setup();
    const alive = new Set([1, 2]);
    const a = lease(1, alive);
    const b = lease(2, alive);
    await a.tryAcquire();
    await a.release();
    expect(a.held).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
  });

  it('run() starts the work in exactly one of two processes and hands it over when the holder stops', async () => {
    const { lease } = await setup();
    const alive = new Set([1, 2]);
    const opts = { ttlMs: 400, renewEveryMs: 100, retryEveryMs: 50 };
    const a = lease(1, alive, opts);
    const b = lease(2, alive, opts);
    const log: string[] = [];
    const work = (name: string): LeasedWork => ({
      onAcquired: async () => void log.push(`${name} on`),
      onLost: async () => void log.push(`${name} off`),
    });
    const wa = work('a');
    const wb = work('b');
    expect(await a.run(wa)).toBe(true);
    expect(await b.run(wb)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(log).toEqual(['a on']);
    await a.stop(wa);
    await new Promise((r) => setTimeout(r, 300));
    expect(log).toEqual(['a on', 'a off', 'b on']);
    await b.stop(wb);
    expect(log).toEqual(['a on', 'a off', 'b on', 'b off']);
  });
});
