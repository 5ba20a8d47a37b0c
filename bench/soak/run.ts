/**
 * bench/soak: `tidings start` (a real child process, SQLite store) delivering a few thousand
 * alerts to the Bot API double, killed with SIGKILL at random moments a few dozen times and
 * started again each time; new matching articles keep appearing at the loopback source
 * while it runs. At the end it prints:
 *
 * - lost: (chat, article) pairs matched but never accepted by the double (goal 0);
 * - duplicated: pairs accepted more than once (the repeats), against the distinct deliveries
 *   the outbox held in `sending` right after a kill (in flight; goal: duplicates ≤ in flight);
 * - old re-sent: alerts sent by a final restart with nothing new (goal 0).
 *
 *   npx tsx bench/soak/run.ts [--chats 100] [--articles 30] [--kills 30] [--min-ms 500] [--max-ms 5000] [--seed N]
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { CrashRig } from '../../test/helpers/crash-rig.js';

const { values } = parseArgs({
  options: {
    chats: { type: 'string', default: '100' },
    articles: { type: 'string', default: '30' },
    kills: { type: 'string', default: '30' },
    'min-ms': { type: 'string', default: '500' },
    'max-ms': { type: 'string', default: '5000' },
    latency: { type: 'string', default: '20' },
  },
});
const chats = Number(values.chats);
const articles = Number(values.articles);
const kills = Number(values.kills);
const minMs = Number(values['min-ms']);
const maxMs = Number(values['max-ms']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const rig = await CrashRig.create({ latencyMs: Number(values.latency), env: { TELEGRAM_RATE: '200', LOG_LEVEL: 'warn' } });
try {
  await rig.seed(chats);
  rig.add(0, 2); // backlog: stored by the first poll, alerts nobody
  // Articles arrive over the first two thirds of the kills (so kills land in polls too).
  const perCycle = Math.max(1, Math.ceil(articles / Math.max(1, Math.floor((kills * 2) / 3))));
  let added = 0;
  let inFlight = 0;
  let sentAtKills = 0;
  const rows: string[] = [];
  let first = true;
  for (let k = 1; k <= kills; k++) {
    const child = rig.start(`run${k}`);
    if (first) {
      await rig.until(() => rig.polls >= 1, 'the first poll', 60_000, [child]);
      await sleep(1500);
      first = false;
    }
    if (added < articles) {
      const n = Math.min(perCycle, articles - added);
      rig.add(n, 1);
      added += n;
    }
    const wait = minMs + Math.random() * (maxMs - minMs);
    await sleep(wait);
    await rig.kill9(child);
    const box = await rig.outbox();
    inFlight = await rig.recordInFlight();
    const t = rig.tally();
    sentAtKills = rig.alertsSent();
    rows.push(`kill ${String(k).padStart(2)} after ${String(Math.round(wait)).padStart(4)} ms: sent ${String(sentAtKills).padStart(5)}, pending ${String(box.pending).padStart(5)}, in flight ${String(box.sending).padStart(3)} (distinct so far ${inFlight}), duplicates so far ${t.duplicates}`);
    console.log(rows[rows.length - 1]);
  }
  if (added < articles) {
    rig.add(articles - added, 0);
    added = articles;
  }
  // The last run: until everything matched is delivered and the outbox is empty.
  const last = rig.start('final');
  await rig.until(async () => rig.tally().lost === 0 && (await rig.unfinished()) === 0, 'everything delivered', 600_000, [last]);
  await sleep(3000);
  const exit = await rig.stop(last);
  const t = rig.tally();
  // A restart with nothing new: whatever it sends is an old item re-sent.
  const before = rig.api.sent.length;
  const quiet = rig.start('quiet');
  const polls = rig.polls;
  await rig.until(() => rig.polls >= polls + 2, 'two polls after the quiet restart', 60_000, [quiet]);
  await sleep(3000);
  await rig.stop(quiet);
  const oldResent = rig.api.sent.length - before;
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  console.log('');
  console.log(`soak: ${t.expected} deliveries (${chats} chats × ${added} matching articles), ${kills} kill -9 at random moments (${minMs}–${maxMs} ms after each start), ${secs} s`);
  console.log(`  lost:        ${t.lost}`);
  console.log(`  duplicated:  ${t.duplicates} (distinct deliveries in flight at the kills: ${inFlight})`);
  console.log(`  old re-sent: ${oldResent}`);
  console.log(`  unexpected:  ${t.unexpected} (alerts for articles nobody matched)`);
  console.log(`  final stop exit code: ${exit}`);
  console.log(`  machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
  const ok = t.lost === 0 && oldResent === 0 && t.duplicates <= inFlight && t.unexpected === 0;
  console.log(ok ? 'PASS' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
} finally {
  await rig.close();
}
