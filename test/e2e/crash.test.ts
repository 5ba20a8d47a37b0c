/**
 * Issue 5's crash test: `tidings start` as a child process with 200 pending deliveries
 * (4 matching articles × 50 chats, the Bot API double answering with some latency), `kill -9`
 * in the middle of the drain, start again: every matched article is delivered to every chat;
 * repeats only for deliveries in flight at the kill (the outbox's `sending` records then),
 * counted and reported; a restart with nothing new sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashRig } from '../helpers/crash-rig.js';

describe('crash: kill -9 mid-drain, restart', () => {
  let rig: CrashRig;

  beforeAll(async () => {
    rig = await CrashRig.create({ latencyMs: 40 });
    await rig.seed(50);
  });

  afterAll(async () => {
    await rig.close();
  });

  it('delivers every matched article, repeats only what was in flight, and a quiet restart sends nothing', { timeout: 150_000 }, async () => {
    rig.add(0, 1); // the backlog: stored by the first poll, alerts nobody
    const first = rig.start('first');
    await rig.until(() => rig.polls >= 1, 'the first poll', 60_000, [first]);
    await new Promise((r) => setTimeout(r, 1500));

    rig.add(4, 2);
    // Kill once a good part (but not all) of the 200 went out.
    await rig.until(() => rig.alertsSent() >= 60, '60 alerts sent', 60_000, [first]);
    await rig.kill9(first);
    const atKill = rig.alertsSent();
    const { pending } = await rig.outbox();
    const inFlight = await rig.recordInFlight();
    expect(atKill).toBeLessThan(200);

    const second = rig.start('second');
    await rig.until(() => rig.tally().lost === 0, 'every matched article delivered', 90_000, [second]);
    // Let it settle (nothing more may come), then stop cleanly.
    await rig.until(async () => (await rig.unfinished()) === 0, 'the outbox to empty', 30_000, [second]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await rig.stop(second)).toBe(0);

    const t = rig.tally();
    console.info(
      `[crash] 200 deliveries to 50 chats; killed after ${atKill} sent with ${inFlight} in flight (sending) and ${pending} pending; after restart: delivered ${t.delivered}/${t.expected}, lost ${t.lost}, duplicates ${t.duplicates} (≤ ${inFlight} in flight), unexpected ${t.unexpected}`,
    );
    expect(t.expected).toBe(200);
    expect(t.lost).toBe(0);
    expect(t.unexpected).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(inFlight);

    // A restart with nothing new sends nothing.
    const before = rig.api.sent.length;
    const third = rig.start('third');
    const polls = rig.polls;
    await rig.until(() => rig.polls >= polls + 2, 'two polls after the quiet restart', 60_000, [third]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await rig.stop(third)).toBe(0);
    expect(rig.api.sent.length - before).toBe(0);
  });
});
