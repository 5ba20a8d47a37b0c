/**
 * Poll-cycle wall time against the number of sources, plotted as a hand-written SVG.
 *
 *   npx tsx bench/compare/scaling.ts [--sources 1000,2000,5000,10000] [--items 2] [--out docs/poll-scaling.svg]
 *   npx tsx bench/compare/scaling.ts --results bench/out/compare/scaling/<run>/results.json   # plot a run already made
 *
 * Runs bench/poll/run.ts (the real `tidings poll --once` process, SQLite, feeds on loopback;
 * see bench/poll/README.md) with `--not-modified 0.9` for each count: a cold cycle (empty
 * store, every item new) and a warm cycle in which 90 % of the feeds answer 304 and 10 %
 * publish `--fresh-items` new items. Then draws both cycles' wall time (start-up included)
 * against sources, one panel each (their scales differ by two orders of magnitude).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    sources: { type: 'string', default: '1000,2000,5000,10000' },
    items: { type: 'string', default: '2' },
    'fresh-items': { type: 'string', default: '2' },
    results: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO, 'docs', 'poll-scaling.svg') },
  },
});

interface Cycle {
  phase: 'cold' | 'warm';
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  othersCpuMs: number;
  stored?: number;
}
interface Results {
  revision: string;
  options: { items: number; freshItems: number; notModified: number };
  results: { sources: number; cycles: Cycle[] }[];
}

function latestResults(dir: string): string {
  const runs = readdirSync(dir)
    .map((d) => path.join(dir, d, 'results.json'))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
  if (runs.length === 0) throw new Error(`no results.json under ${dir}`);
  return runs.sort().at(-1)!;
}

let resultsFile = values.results;
if (!resultsFile) {
  const outDir = path.join(REPO, 'bench', 'out', 'compare', 'scaling');
  const args = ['--import', 'tsx', path.join(REPO, 'bench', 'poll', 'run.ts'), '--sources', values.sources, '--items', values.items, '--fresh-items', values['fresh-items'], '--not-modified', '0.9', '--out', outDir];
  if (values['skip-build']) args.push('--skip-build');
  const run = spawnSync(process.execPath, args, { cwd: REPO, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`bench/poll/run.ts exited ${run.status}`);
  resultsFile = latestResults(outDir);
}
const data = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
const points = data.results
  .map((r) => ({ sources: r.sources, cold: r.cycles.find((c) => c.phase === 'cold')!, warm: r.cycles.find((c) => c.phase === 'warm')! }))
  .sort((a, b) => a.sources - b.sources);

// ---- SVG --------------------------------------------------------------------------------

const W = 880;
const H = 400;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round axis maximum and its tick step. */
function niceScale(max: number): { top: number; step: number } {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function panel(x0: number, title: string, pick: (p: (typeof points)[number]) => Cycle, color: string): string {
  const pw = 360;
  const ph = 260;
  const left = x0 + 60;
  const top = 70;
  const xMax = niceScale(Math.max(...points.map((p) => p.sources)));
  const yMax = niceScale(Math.max(...points.map((p) => pick(p).wallMs / 1000)) * 1.1);
  const sx = (v: number) => left + (v / xMax.top) * pw;
  const sy = (v: number) => top + ph - (v / yMax.top) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${left + pw / 2}" y="${top - 16}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let v = 0; v <= yMax.top + 1e-9; v += yMax.step) {
    parts.push(`<line x1="${left}" y1="${sy(v)}" x2="${left + pw}" y2="${sy(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${sy(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  for (let v = 0; v <= xMax.top + 1e-9; v += xMax.step) {
    parts.push(`<line x1="${sx(v)}" y1="${top + ph}" x2="${sx(v)}" y2="${top + ph + 4}" stroke="#444"/>`);
    parts.push(`<text x="${sx(v)}" y="${top + ph + 18}" text-anchor="middle">${v.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#444"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#444"/>`);
  parts.push(`<text x="${left + pw / 2}" y="${top + ph + 38}" text-anchor="middle">sources</text>`);
  parts.push(`<text x="${x0 + 14}" y="${top + ph / 2}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${top + ph / 2})">wall time, s (start-up included)</text>`);
  parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${sx(p.sources).toFixed(1)},${sy(pick(p).wallMs / 1000).toFixed(1)}`).join(' ')}"/>`);
  for (const p of points) {
    const c = pick(p);
    const x = sx(p.sources);
    const y = sy(c.wallMs / 1000);
    parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${color}"><title>${p.sources} sources: ${(c.wallMs / 1000).toFixed(2)} s wall, ${(c.cpuMs / 1000).toFixed(2)} s CPU, ${Math.round(c.peakRssKb / 1024)} MiB peak, ${c.stored ?? '?'} articles stored, others' cores ${(c.othersCpuMs / c.wallMs).toFixed(2)}</title></circle>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${(y - 9).toFixed(1)}" text-anchor="middle" font-size="11">${(c.wallMs / 1000).toFixed(1)} s</text>`);
  }
  return parts.join('\n');
}

const o = data.options;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">tidings poll --once: wall time against sources (SQLite, loopback feeds, ${o.items} items each)</text>
<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">tidings ${esc(data.revision)}; 2 vCPU, shared machine; generated by bench/compare/scaling.ts</text>
${panel(0, 'cold cycle: empty store, every item new', (p) => p.cold, '#c0392b')}
${panel(440, `warm cycle: ${Math.round(o.notModified * 100)} % answer 304, the rest ${o.freshItems} new items`, (p) => p.warm, '#2471a3')}
</svg>
`;
writeFileSync(values.out, svg);

const rows = points.map((p) => `| ${p.sources.toLocaleString('en-US')} | ${(p.cold.wallMs / 1000).toFixed(2)} | ${(p.cold.cpuMs / 1000).toFixed(2)} | ${Math.round(p.cold.peakRssKb / 1024)} | ${(p.warm.wallMs / 1000).toFixed(2)} | ${(p.warm.cpuMs / 1000).toFixed(2)} | ${Math.round(p.warm.peakRssKb / 1024)} | ${p.warm.stored ?? '?'} | ${(p.cold.othersCpuMs / p.cold.wallMs).toFixed(2)} / ${(p.warm.othersCpuMs / p.warm.wallMs).toFixed(2)} |`);
process.stdout.write(
  [
    `results: ${resultsFile}`,
    `svg: ${values.out}`,
    '',
    "| sources | cold wall s | cold CPU s | cold peak MiB | warm wall s | warm CPU s | warm peak MiB | warm articles | others' cores cold / warm |",
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n'),
);
