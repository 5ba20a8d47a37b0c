/**
 * Summarise a V8 CPU profile (`--cpu-prof`, written by `run.ts --cpu-prof`): where the time
 * went by package or src/ file (self time), the functions with most self time, and the src/
 * functions with most inclusive time (themselves and what they call), which is what says
 * which step of a poll dominates.
 *
 *   npx tsx bench/poll/profile-summary.ts bench/out/poll/<run>/2000/profiles/cold.cpuprofile [--top 25]
 *     [--match REGEX]   also: inclusive time of every function whose "name module:line" matches
 *     [--from US --to US]  only samples in this window of the monotonic clock, in µs (workers mode
 *                       records each cycle's as `monoWindowUs` in results.json: one cycle of a
 *                       worker profile that spans start-up and both cycles)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, a src/ file, node internals, or a V8 pseudo-frame. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src\/.+)\.js$/.exec(url);
  if (src) return `${src[1]}.ts`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

function frameName(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
}

function top(map: Map<string, number>, n: number): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}

export function summarise(profile: CpuProfile, n: number, match?: RegExp, window?: { from: number; to: number }): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByModule = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusiveSrc = new Map<string, number>();
  const inclusiveMatched = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.from || at > window.to)) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const node = byId.get(id)!;
    const f = node.callFrame;
    selfByModule.set(moduleOf(f.url, f.functionName), (selfByModule.get(moduleOf(f.url, f.functionName)) ?? 0) + ms);
    selfByFunction.set(frameName(f), (selfByFunction.get(frameName(f)) ?? 0) + ms);
    const onStack = new Set<string>();
    const matched = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const frame = byId.get(node)!.callFrame;
      if (/\/src\/.+\.js$/.test(frame.url)) onStack.add(frameName(frame));
      if (match?.test(frameName(frame))) matched.add(frameName(frame));
    }
    for (const name of onStack) inclusiveSrc.set(name, (inclusiveSrc.get(name) ?? 0) + ms);
    for (const name of matched) inclusiveMatched.set(name, (inclusiveMatched.get(name) ?? 0) + ms);
  });

  const pct = (ms: number): string => `${((ms / total) * 100).toFixed(1).padStart(5)} %`;
  const rows = (entries: [string, number][]): string[] => entries.map(([name, ms]) => `  ${(ms / 1000).toFixed(2).padStart(7)} s ${pct(ms)}  ${name}`);
  return [
    `profile: ${(total / 1000).toFixed(2)} s sampled`,
    'self time by package / src file:',
    ...rows(top(selfByModule, n)),
    'functions by self time:',
    ...rows(top(selfByFunction, n)),
    'src/ functions by inclusive time (themselves and their callees):',
    ...rows(top(inclusiveSrc, n)),
    ...(match ? [`functions matching ${match} by inclusive time:`, ...rows(top(inclusiveMatched, n))] : []),
  ].join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, match: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
  const window = values.from !== undefined || values.to !== undefined ? { from: Number(values.from ?? 0), to: Number(values.to ?? Number.MAX_SAFE_INTEGER) } : undefined;
  if (positionals.length === 0) {
    process.stderr.write('usage: npx tsx bench/poll/profile-summary.ts FILE.cpuprofile [--top N] [--match REGEX] [--from US --to US]\n');
    process.exitCode = 2;
    return;
  }
  for (const file of positionals) {
    process.stdout.write(`${file}\n${summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top), values.match === undefined ? undefined : new RegExp(values.match), window)}\n\n`);
  }
}

main();
