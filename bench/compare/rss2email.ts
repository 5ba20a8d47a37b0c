/**
 * tidings against Debian's rss2email, in the same run: feeds → new items → one email per new
 * item to one reader, through a loopback SMTP server (`smtp-server`, in this process, counting
 * the messages it accepts).
 *
 *   npx tsx bench/compare/rss2email.ts [--feeds 200] [--items 5] [--new 3] [--hosts 20] [--skip-build] [--cli PATH] [--max-load 3] [--cpu-prof]
 *
 *  1. This process serves `--feeds` RSS 2.0 feeds over loopback HTTP (spread over `--hosts`
 *     addresses, 127.0.0.2…), each with `--items` items, every title holding the word
 *     "tidingsbench", every body distinct (made-up words), published in the last hours.
 *  2. Set-up, untimed: tidings gets a sources file (one source per feed, `kind: feed`,
 *     `fulltext: never`), an SQLite store in a fresh folder, and one email subscription
 *     (`tidings subs add --email reader@example.org --query tidingsbench`); its first
 *     `poll --once` stores every item and alerts nobody (a first poll never alerts).
 *     rss2email gets `r2e new reader@example.org`, `r2e add` for each feed, SMTP to the
 *     loopback server (`email-protocol = smtp`, `smtp-auth = False`), and a first
 *     `r2e run --no-send` that marks every item seen.
 *  3. Every feed then publishes `--new` items.
 *  4. Timed: one fresh `tidings poll --once` process (start-up, fetching, storing, matching,
 *     rendering and sending included), then one `r2e run`. The SMTP server counts what each
 *     delivered: `--feeds` × `--new` messages expected from each.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { hostAddress } from '../poll/loopback.js';
import { seededRandom } from '../../src/demo/stories.js';
import { buildTidings, cleanEnv, loadAverage, machineLine, mib, runDir, seconds, serveOnLoopback, table, timedRun, waitForQuiet, type Timed } from './common.js';

const { values } = parseArgs({
  options: {
    feeds: { type: 'string', default: '200' },
    items: { type: 'string', default: '5' },
    new: { type: 'string', default: '3' },
    hosts: { type: 'string', default: '20' },
    'skip-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    // Wait (up to 5 minutes) for the 1-minute load average to fall to this before the timed runs.
    'max-load': { type: 'string', default: '3' },
    'greeting-delay': { type: 'string', default: '100' },
    cli: { type: 'string' },
  },
});
const FEEDS = Number(values.feeds);
const ITEMS = Number(values.items);
const NEW = Number(values.new);
const HOSTS = Number(values.hosts);
const READER = 'reader@example.org';
const TERM = 'tidingsbench';

// ---- feeds ------------------------------------------------------------------------------

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vel', 'nu', 'pri', 'dos', 'ar', 'ky', 'fen', 'gu', 'hol', 'zi', 'bre', 'qua', 'wen', 'ox'];
function words(seed: number, n: number): string {
  const r = seededRandom(seed); // bodies differ between items but not between runs
  return Array.from({ length: n }, () => Array.from({ length: 2 + Math.floor(r() * 3) }, () => SYLLABLES[Math.floor(r() * SYLLABLES.length)]).join('')).join(' ');
}

const startedAt = Date.now();
let generation = 0;
let fetches = 0;

function feedXml(feed: number, origin: string): string {
  const count = ITEMS + generation * NEW;
  const items: string[] = [];
  for (let k = count - 1; k >= 0; k--) {
    // Fixed per item (an item's date must not move between generations), all in the last two hours.
    const published = new Date(startedAt - (ITEMS + NEW + 5 - k) * 5 * 60_000).toUTCString();
    const link = `${origin}/feeds/${feed}/items/${k}.html`;
    items.push(
      `<item><title>Feed ${feed} item ${k}: ${TERM} ${words(feed * 1000 + k, 4)}</title><link>${link}</link><guid isPermaLink="true">${link}</guid>` +
        `<pubDate>${published}</pubDate><description>${words(feed * 1000 + k + 7_000_000, 60)}.</description></item>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Bench feed ${feed}</title><link>${origin}/</link><description>Feed ${feed}</description>\n${items.join('\n')}\n</channel></rss>\n`;
}

const feedServers = await serveOnLoopback(
  Array.from({ length: HOSTS }, (_, h) => hostAddress(h)),
  (req, res) => {
    const m = /^\/feeds\/(\d+)\.xml$/.exec(req.url ?? '');
    if (!m || Number(m[1]) >= FEEDS) {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8' }).end(feedXml(Number(m[1]), `http://${req.headers.host}`));
  },
);
const feedUrls = Array.from({ length: FEEDS }, (_, i) => `http://${hostAddress(i % HOSTS)}:${feedServers.port}/feeds/${i}.xml`);

// ---- SMTP -------------------------------------------------------------------------------

/**
 * smtp-server holds its greeting 100 ms on every connection (a fixed early-talker check, no
 * option). A client that opens one connection per message, as rss2email does, pays it each
 * time. `--greeting-delay 0` patches it out in this process: the greeting goes at once.
 */
const GREETING_DELAY = Number(values['greeting-delay']);
if (GREETING_DELAY !== 100) {
  type Conn = { _server: { options: { maxClients?: number }; connections: Set<unknown> }; _setListeners(cb: () => void): void; connectionReady(): void; send(code: number, text: string, end?: boolean): void; name: string };
  (SMTPConnection.prototype as unknown as { init: () => void }).init = function (this: Conn) {
    this._setListeners(() => {
      if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      setTimeout(() => this.connectionReady(), GREETING_DELAY).unref();
    });
  };
}

const received = new Map<string, number>();
let counting = 'nobody';
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 10 * 1024 * 1024,
  onRcptTo(address, _session, cb) {
    if (address.address !== READER) return cb(new Error(`unexpected recipient ${address.address}`));
    cb();
  },
  onData(stream, _session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received.set(counting, (received.get(counting) ?? 0) + 1);
      cb();
    });
  },
});
const smtpPort = await new Promise<number>((resolve, reject) => {
  smtp.server.once('error', reject);
  smtp.listen(0, '127.0.0.1', () => resolve((smtp.server.address() as { port: number }).port));
});
// A client gone mid-transaction is reported on the server; unheard it would be uncaught.
smtp.on('error', (err: Error) => console.error(`smtp sink: ${err.message}`));

// ---- set-up -----------------------------------------------------------------------------

const dir = runDir('rss2email');
/**
 * `--cli`: measure another build of the CLI (a patched copy, or a build of a commit made
 * elsewhere); bench/out/build is then neither built nor touched.
 */
const build = values.cli ? { cli: path.resolve(values.cli), revision: values.cli } : buildTidings('head', values['skip-build']);

const tidingsDir = path.join(dir, 'tidings');
mkdirSync(tidingsDir);
const sourcesFile = path.join(tidingsDir, 'sources.yaml');
writeFileSync(
  sourcesFile,
  ['# Generated by bench/compare/rss2email.ts', 'sources:', ...feedUrls.flatMap((u, i) => [`  - id: r2e-${String(i).padStart(4, '0')}`, `    url: ${u}`, '    kind: feed', '    fulltext: never'])].join('\n') + '\n',
);
const tidingsEnv = cleanEnv({
  STORE_URL: `sqlite://${path.join(tidingsDir, 'tidings.sqlite')}`,
  ALLOW_PRIVATE_NETWORKS: 'true',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  TIDINGS_SECRET: 'bench-secret-0123456789abcdef',
  PUBLIC_URL: 'http://127.0.0.1:8080',
});
// Never a synchronous child process here: this process serves the feeds and the SMTP server.
const run = async (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) => (await promisify(execFile)(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
await run(process.execPath, [build.cli, 'subs', 'add', '--email', READER, '--query', TERM], tidingsDir, tidingsEnv);

const r2eDir = path.join(dir, 'rss2email');
mkdirSync(r2eDir);
const r2eConfig = path.join(r2eDir, 'rss2email.cfg');
const r2eData = path.join(r2eDir, 'rss2email.json');
const r2e = (args: string[]) => run('r2e', ['-c', r2eConfig, '-d', r2eData, ...args], r2eDir, cleanEnv({}));
await r2e(['new', READER]);
const settings: Record<string, string> = { 'email-protocol': 'smtp', 'smtp-server': `127.0.0.1:${smtpPort}`, 'smtp-auth': 'False', 'smtp-ssl': 'False' };
let config = readFileSync(r2eConfig, 'utf8');
for (const [key, value] of Object.entries(settings)) {
  const line = new RegExp(`^${key} = .*$`, 'm');
  if (!line.test(config)) throw new Error(`rss2email config has no ${key} line`);
  config = config.replace(line, `${key} = ${value}`);
}
writeFileSync(r2eConfig, config);
process.stderr.write(`r2e add × ${FEEDS}…\n`);
for (const [i, u] of feedUrls.entries()) await r2e(['add', `f${String(i).padStart(4, '0')}`, u]);

// First runs: everything is seen, nobody is mailed.
counting = 'tidings (first poll)';
await run(process.execPath, [build.cli, 'poll', '--once', '--sources', sourcesFile], tidingsDir, tidingsEnv);
counting = 'rss2email (first run)';
await r2e(['run', '--no-send']);
const setupFetches = fetches;

// Every feed publishes NEW items.
generation = 1;

// ---- timed runs -------------------------------------------------------------------------

process.stderr.write(`load ${loadAverage()}\n`);
const loadAtStart = await waitForQuiet(Number(values['max-load']), 5 * 60_000);
const runs: { tool: string; run: Timed; messages: number; fetched: number }[] = [];

fetches = 0;
counting = 'tidings';
const profArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.join(dir, 'profiles'), '--cpu-prof-name', 'tidings.cpuprofile'] : [];
const t = await timedRun('tidings', dir, process.execPath, [...profArgs, build.cli, 'poll', '--once', '--sources', sourcesFile], { cwd: tidingsDir, env: { ...tidingsEnv, LOG_LEVEL: 'info' } });
if (t.code !== 0) throw new Error(`tidings exited ${t.code}: ${t.stderr.slice(-2000)}`);
runs.push({ tool: 'tidings', run: t, messages: received.get('tidings') ?? 0, fetched: fetches });

fetches = 0;
counting = 'rss2email';
const r = await timedRun('rss2email', dir, 'r2e', ['-c', r2eConfig, '-d', r2eData, 'run'], { cwd: r2eDir, env: cleanEnv({}) });
if (r.code !== 0) throw new Error(`r2e exited ${r.code}: ${r.stderr.slice(-2000)}`);
runs.push({ tool: 'rss2email', run: r, messages: received.get('rss2email') ?? 0, fetched: fetches });

await feedServers.close();
await new Promise<void>((resolve) => smtp.close(() => resolve()));

const expected = FEEDS * NEW;
const r2eVersion = (await r2e(['--version'])).trim();
const tidingsSummary = /polled \d+ sources[^"]*/.exec(t.stderr)?.[0] ?? '(no summary line)';
const rows = runs.map(({ tool, run, messages, fetched }) => [
  tool,
  seconds(run.wallMs),
  seconds(run.cpuMs),
  mib(run.peakRssKb),
  `${fetched}`,
  `${messages} / ${expected}`,
  run.othersCores.toFixed(2),
  run.loadBefore,
]);
const [tr, rr] = runs;
const out = [
  `${FEEDS} loopback feeds (${HOSTS} addresses), ${ITEMS} items each seen once, then ${NEW} new items each, one reader, loopback SMTP (greeting after ${GREETING_DELAY} ms)`,
  `machine: ${machineLine()}; load at start ${loadAtStart}`,
  `tidings ${build.revision} (defaults: POLL_CONCURRENCY=32, FETCH_PER_HOST_CONCURRENCY=2), STORE_URL=sqlite; rss2email ${r2eVersion}`,
  `set-up (untimed): ${setupFetches} feed fetches; unexpected messages during set-up: ${[...received].filter(([k]) => k.includes('first')).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
  '',
  table(['tool (second run)', 'wall (start-up incl.)', 'CPU user+sys', 'peak RSS', 'feeds fetched', 'messages received', "others' cores", 'load before (1/5/15)'], rows),
  '',
  `speed-up: tidings ${(rr!.run.wallMs / tr!.run.wallMs).toFixed(1)}× faster (goal ≥ 20×)`,
  `tidings: ${tidingsSummary}`,
  `output: ${dir}`,
].join('\n');
writeFileSync(path.join(dir, 'results.md'), `${out}\n`);
process.stdout.write(`${out}\n`);
