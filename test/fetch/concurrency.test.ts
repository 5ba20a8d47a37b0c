import { describe, expect, it } from 'vitest';
import { KeyedSemaphore } from '../../src/fetch/concurrency.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('KeyedSemaphore', () => {
  it('admits up to the limit per key and queues the rest in FIFO order', async () => {
    const sem = new KeyedSemaphore(2);
    const order: number[] = [];
    const releases = await Promise.all([sem.acquire('a'), sem.acquire('a')]);
    expect(sem.active('a')).toBe(2);
    const waiting = [3, 4, 5].map((n) => sem.acquire('a').then((release) => (order.push(n), release)));
    await tick();
    expect(order).toEqual([]);
    expect(sem.waiting('a')).toBe(3);

    releases[0]?.();
    await tick();
    expect(order).toEqual([3]);
    expect(sem.active('a')).toBe(2);
    releases[1]?.();
    await tick();
    expect(order).toEqual([3, 4]);
    const granted = await Promise.all(waiting.slice(0, 2));
    granted[0]?.();
    await tick();
    expect(order).toEqual([3, 4, 5]);
    for (const release of [...granted, await waiting[2]!]) release();
    expect(sem.active('a')).toBe(0);
    expect(sem.waiting('a')).toBe(0);
  });

  it('keeps keys independent', async () => {
    const sem = new KeyedSemaphore(1);
    const a = await sem.acquire('a');
    const b = await sem.acquire('b');
    expect(sem.active('a')).toBe(1);
    expect(sem.active('b')).toBe(1);
    a();
    b();
  });

  it('ignores a second release of the same slot', async () => {
    const sem = new KeyedSemaphore(1);
    const first = await sem.acquire('k');
    const second = sem.acquire('k');
    const third = sem.acquire('k');
    first();
    first();
    await second;
    await tick();
    expect(sem.active('k')).toBe(1);
    expect(sem.waiting('k')).toBe(1);
    (await second)();
    (await third)();
    expect(sem.active('k')).toBe(0);
  });

  it('removes an aborted waiter from the queue and rejects it with the reason', async () => {
    const sem = new KeyedSemaphore(1);
    const held = await sem.acquire('k');
    const controller = new AbortController();
    const aborted = sem.acquire('k', controller.signal);
    const next = sem.acquire('k');
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    expect(sem.waiting('k')).toBe(1);
    held();
    const release = await next;
    expect(sem.active('k')).toBe(1);
    release();
    expect(sem.active('k')).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const sem = new KeyedSemaphore(1);
    await expect(sem.acquire('k', AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
    expect(sem.active('k')).toBe(0);
  });

  it('run() releases the slot when the task throws', async () => {
    const sem = new KeyedSemaphore(1);
    await expect(sem.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(sem.active('k')).toBe(0);
    await expect(sem.run('k', async () => 42)).resolves.toBe(42);
  });

  it('refuses a limit below 1', () => {
    expect(() => new KeyedSemaphore(0)).toThrow(RangeError);
    expect(() => new KeyedSemaphore(1.5)).toThrow(RangeError);
  });
});
