/**
 * `tidings sources list` and `tidings sources check [ID...]`.
 * `check` fetches each source once, stores nothing, prints a table of status, items,
 * encoding, time and error (a progress bar meanwhile on a terminal); exit 1 when any failed.
 */
import { loadSettings } from '../config/settings.js';
import { loadSources } from '../config/sources.js';
import { formatInterval } from '../config/interval.js';
import { createApp, readSources } from '../app.js';
import { checkSource, type CheckResult } from '../pipeline/check-source.js';
import { parse } from './args.js';
import { ProgressBar } from './progress.js';
import { renderTable } from './table.js';
import { UsageError } from './usage-error.js';
import { pollAll } from './poll.js';

export async function runSources(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals: ids } = parse(rest, { sources: { type: 'string' }, json: { type: 'boolean', default: false } }, true);
  const positionals = ids as string[];
  const settings = loadSettings();
  const sources = values.sources ? loadSources(values.sources) : readSources(settings);
  if (sub === 'list') {
    if (values.json) {
      process.stdout.write(`${JSON.stringify(sources, null, 2)}\n`);
      return 0;
    }
    const rows = sources.map((s) => [s.id, s.kind ?? 'auto', formatInterval(s.interval), s.tags.join(','), s.paused ? 'paused' : '', s.url]);
    process.stdout.write(`${renderTable(['id', 'kind', 'interval', 'tags', 'state', 'url'], rows)}\n`);
    return 0;
  }
  if (sub === 'check') {
    const unknown = positionals.filter((id) => !sources.some((s) => s.id === id));
    if (unknown.length > 0) throw new UsageError(`no such source: ${unknown.join(', ')}`);
    const selected = positionals.length > 0 ? sources.filter((s) => positionals.includes(s.id)) : sources;
    const app = await createApp(settings);
    const bar = new ProgressBar(selected.length, 'checking');
    try {
      const results: CheckResult[] = [];
      await pollAll(
        selected,
        async (s) => {
          const r = await checkSource(s, { fetcher: app.fetcher, timeZone: settings.DEFAULT_TIMEZONE });
          results.push(r);
          bar.tick(s.id);
          return r;
        },
        settings.POLL_CONCURRENCY,
      );
      bar.finish();
      const order = new Map(selected.map((s, i) => [s.id, i]));
      results.sort((a, b) => order.get(a.sourceId)! - order.get(b.sourceId)!);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      } else {
        const rows = results.map((r) => [
          r.sourceId,
          r.ok ? 'ok' : `FAIL ${r.error?.kind ?? ''}`,
          String(r.items),
          r.format ?? '',
          r.encoding ? `${r.encoding}${r.encodingNote ? '*' : ''}` : '',
          `${r.ms} ms`,
          r.error?.message.replace(/^[^:]+: /, '') ?? r.encodingNote ?? '',
        ]);
        process.stdout.write(`${renderTable(['source', 'status', 'items', 'format', 'encoding', 'time', 'error / note'], rows)}\n`);
        const failed = results.filter((r) => !r.ok).length;
        process.stdout.write(`\n${results.length - failed} ok, ${failed} failed\n`);
      }
      return results.some((r) => !r.ok) ? 1 : 0;
    } finally {
      await app.close();
    }
  }
  throw new UsageError(`sources: expected list or check, got ${JSON.stringify(sub ?? '')}`);
}
