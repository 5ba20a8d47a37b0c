/**
 * tidings against Debian's python3-feedparser on the feedparser test corpus, in the same run.
 *
 *   npx tsx bench/compare/feedparser.ts [--corpus DIR] [--copies 10] [--hosts 20]
 *        [--poll-concurrency 64] [--fetch-concurrency 64] [--per-host 8] [--skip-build] [--cli PATH] [--max-load 3] [--cpu-prof]
 *
 * Every file under the corpus folder (recursively) is served over loopback HTTP from this
 * process, spread over `--hosts` addresses (127.0.0.2…), with the Content-Type its name implies
 * (.xml → application/xml, .rdf/.atom/.rss likewise) or the one a `Header:` line in its leading
 * comment gives (every `Header: Name: value` line is sent, as feedparser's own test server
 * does). Each file is listed `--copies` times with `?copy=N`, so every fetch is a distinct URL.
 *
 *  - tidings: the built CLI, `poll --once` on a generated sources file (one source per URL,
 *    `kind: feed`, `fulltext: never`: the feed is parsed and every item normalized and stored,
 *    no article page fetched), SQLite store in a fresh folder. A feed counts as read when its
 *    poll did not fail and found at least one item or a feed title (the source state in the
 *    store says so), as for feedparser.
 *  - feedparser: `/usr/bin/python3` fetching the same URLs one by one with feedparser.parse(url).
 *    A feed counts as read when the answer was 200 and it has an entry or a feed title (bozo or
 *    not; the non-bozo count is shown too).
 *
 * Each is one process, timed start-up included.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { hostAddress } from '../poll/loopback.js';
import { buildTidings, cleanEnv, loadAverage, machineLine, mib, runDir, seconds, serveOnLoopback, table, timedRun, waitForQuiet, type Timed } from './common.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/work/shared/corpus/feedparser/wellformed' },
    copies: { type: 'string', default: '10' },
    hosts: { type: 'string', default: '20' },
    'poll-concurrency': { type: 'string', default: '64' },
    'fetch-concurrency': { type: 'string', default: '64' },
    'per-host': { type: 'string', default: '8' },
    'skip-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    // Wait (up to 5 minutes) for the 1-minute load average to fall to this before the timed runs.
    'max-load': { type: 'string', default: '3' },
    only: { type: 'string' },
    cli: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const copies = Number(values.copies);
const hosts = Number(values.hosts);

interface CorpusFile {
  rel: string;
  body: Buffer;
  headers: [string, string][];
}

const TYPES: Record<string, string> = {
  '.xml': 'application/xml',
  '.rdf': 'application/rdf+xml',
  '.rss': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.json': 'application/json',
  '.html': 'text/html',
};

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function loadCorpus(root: string): CorpusFile[] {
  return walk(root)
    .sort()
    .map((file) => {
      const body = readFileSync(file);
      const head = body.subarray(0, 4096).toString('latin1');
      const headers: [string, string][] = [];
      for (const m of head.matchAll(/^Header:\s*([A-Za-z0-9-]+):[ \t]*(.*?)\s*$/gm)) {
        if (m[2]) headers.push([m[1]!, m[2]]);
      }
      if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) {
        headers.unshift(['Content-Type', TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream']);
      }
      return { rel: path.relative(root, file).split(path.sep).join('/'), body, headers };
    });
}

const corpus = loadCorpus(values.corpus);
const byPath = new Map(corpus.map((f) => [`/${f.rel}`, f]));
let served = 0;
const servers = await serveOnLoopback(
  Array.from({ length: hosts }, (_, h) => hostAddress(h)),
  (req, res) => {
    const file = byPath.get(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    served++;
    for (const [name, value] of file.headers) res.setHeader(name, value);
    res.setHeader('Content-Length', file.body.length);
    res.end(file.body);
  },
);

const dir = runDir('feedparser');
const urls: string[] = [];
const ids: string[] = [];
corpus.forEach((f, i) => {
  for (let c = 0; c < copies; c++) {
    const n = i * copies + c;
    urls.push(`http://${hostAddress(n % hosts)}:${servers.port}/${f.rel.split('/').map(encodeURIComponent).join('/')}?copy=${c}`);
    ids.push(`fp-${String(i).padStart(4, '0')}-${c}`);
  }
});
writeFileSync(path.join(dir, 'urls.txt'), `${urls.join('\n')}\n`);
const sourcesFile = path.join(dir, 'sources.yaml');
writeFileSync(
  sourcesFile,
  ['# Generated by bench/compare/feedparser.ts', 'sources:', ...urls.flatMap((u, i) => [`  - id: ${ids[i]}`, `    url: ${JSON.stringify(u)}`, '    kind: feed', '    fulltext: never'])].join('\n') + '\n',
);

const PYTHON = String.raw`
import json, sys, feedparser
read = strict = failed = with_entries = 0
for url in open(sys.argv[1]).read().split():
    try:
        d = feedparser.parse(url)
    except Exception:
        failed += 1
        continue
    if d.get('status') == 200 and (len(d.entries) > 0 or d.feed.get('title')):
        read += 1
        if len(d.entries) > 0:
            with_entries += 1
        if not d.bozo:
            strict += 1
    else:
        failed += 1
print(json.dumps({"read": read, "strict": strict, "failed": failed, "entries": with_entries}))
`;
writeFileSync(path.join(dir, 'feedparser_bench.py'), PYTHON);

/**
 * `--cli`: measure another build of the CLI (a patched copy, or a build of a commit made
 * elsewhere); bench/out/build is then neither built nor touched.
 */
const build = values.cli ? { cli: path.resolve(values.cli), revision: values.cli } : buildTidings('head', values['skip-build']);
const pollConcurrency = values['poll-concurrency'];
const fetchConcurrency = values['fetch-concurrency'];
const perHost = values['per-host'];
const storeDir = path.join(dir, 'store');
mkdirSync(storeDir);
const storeUrl = values.store === 'memory' ? 'memory' : `sqlite://${path.join(storeDir, 'tidings.sqlite')}`;

process.stderr.write(`${corpus.length} files × ${copies} = ${urls.length} URLs on ${hosts} addresses, port ${servers.port}; load ${loadAverage()}\n`);
const loadAtStart = await waitForQuiet(Number(values['max-load']), 5 * 60_000);

const results: { tool: string; run: Timed; read: number; detail: string }[] = [];

async function runTidings(): Promise<void> {
  served = 0;
  const profArgs = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.join(dir, 'profiles'), '--cpu-prof-name', 'tidings.cpuprofile'] : [];
  const run = await timedRun('tidings', dir, process.execPath, [...profArgs, build.cli, 'poll', '--once', '--sources', sourcesFile], {
    cwd: dir,
    env: cleanEnv({
      STORE_URL: storeUrl,
      ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      POLL_CONCURRENCY: pollConcurrency,
      FETCH_CONCURRENCY: fetchConcurrency,
      FETCH_PER_HOST_CONCURRENCY: perHost,
    }),
  });
  if (run.code !== 0) throw new Error(`tidings exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const fetches = served;
  if (storeUrl === 'memory') {
    results.push({ tool: 'tidings (memory store)', run, read: NaN, detail: `${fetches} fetches served; feeds read not counted (the memory store is gone)` });
    return;
  }
  // Outside the clock: what each source's poll left in the store.
  const storeModule = path.join(path.dirname(build.cli), '..', 'store');
  const { openKeyValue } = (await import(pathToFileURL(path.join(storeModule, 'keyv-store.js')).href)) as typeof import('../../src/store/keyv-store.js');
  const { createStore } = (await import(pathToFileURL(path.join(storeModule, 'store.js')).href)) as typeof import('../../src/store/store.js');
  const kv = await openKeyValue(storeUrl);
  const states = await createStore(kv).getSourceStates(ids);
  await kv.close();
  let read = 0;
  let failed = 0;
  let empty = 0;
  const errorKinds = new Map<string, number>();
  for (const id of ids) {
    const s = states.get(id);
    if (!s || s.consecutiveErrors > 0 || !s.lastSuccessAt) {
      failed++;
      const kind = s?.lastErrorKind ?? 'no state';
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    } else if ((s.itemsLastSeen ?? 0) > 0 || s.title) read++;
    if (s && s.consecutiveErrors === 0 && s.lastSuccessAt && (s.itemsLastSeen ?? 0) === 0) empty++;
  }
  const kinds = [...errorKinds].map(([k, n]) => `${k} ${n}`).join(', ');
  results.push({ tool: 'tidings', run, read, detail: `${fetches} fetches served; ${failed} failed${kinds ? ` (${kinds})` : ''}, ${empty} parsed with no item` });
}

async function runFeedparser(): Promise<void> {
  served = 0;
  const run = await timedRun('feedparser', dir, '/usr/bin/python3', [path.join(dir, 'feedparser_bench.py'), path.join(dir, 'urls.txt')], { cwd: dir, env: cleanEnv({}) });
  if (run.code !== 0) throw new Error(`python exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as { read: number; strict: number; failed: number; entries: number };
  results.push({ tool: 'python3-feedparser', run, read: r.read, detail: `${served} fetches served; ${r.strict} of them not bozo, ${r.entries} with ≥1 entry; ${r.failed} without entry or title` });
}

if (values.only !== 'feedparser') await runTidings();
if (values.only !== 'tidings') await runFeedparser();
await servers.close();

const rows = results.map(({ tool, run, read, detail }) => [
  tool,
  seconds(run.wallMs),
  `${Math.round(urls.length / (run.wallMs / 1000))}/s`,
  seconds(run.cpuMs),
  mib(run.peakRssKb),
  `${read} / ${urls.length}`,
  run.othersCores.toFixed(2),
  run.loadBefore,
  detail,
]);
const tidingsRun = results.find((r) => r.tool.startsWith('tidings'));
const pyRun = results.find((r) => !r.tool.startsWith('tidings'));
const out = [
  `feedparser corpus (${values.corpus}): ${corpus.length} files × ${copies} copies = ${urls.length} URLs over ${hosts} loopback addresses`,
  `machine: ${machineLine()}; load at start ${loadAtStart}`,
  `tidings ${build.revision}: POLL_CONCURRENCY=${pollConcurrency} FETCH_CONCURRENCY=${fetchConcurrency} FETCH_PER_HOST_CONCURRENCY=${perHost} STORE_URL=${values.store} LOG_LEVEL=warn`,
  '',
  table(['tool', 'wall (start-up incl.)', 'URLs/s', 'CPU user+sys', 'peak RSS', 'feeds read', "others' cores", 'load before (1/5/15)', 'notes'], rows),
  '',
  tidingsRun && pyRun ? `speed-up: tidings ${(pyRun.run.wallMs / tidingsRun.run.wallMs).toFixed(2)}× faster (goal ≥ 4×); feeds read ${tidingsRun.read} vs ${pyRun.read} (goal ≥)` : '',
  `output: ${dir}`,
].join('\n');
writeFileSync(path.join(dir, 'results.md'), `${out}\n`);
process.stdout.write(`${out}\n`);
