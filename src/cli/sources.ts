/**
 * `tidings sources list | check [ID...] | add URL [TAG...] | remove ID | pause ID | resume ID |
 * import FILE.opml | export`.
 * `check` fetches each source once, stores nothing, prints a table of status, items,
 * encoding, time and error (a progress bar meanwhile on a terminal); exit 1 when any failed.
 * `add` and `import` check each source once before accepting it (through the same guarded
 * fetcher as polling) and keep it in the store beside the YAML sources.
 */
import { readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { loadSettings } from '../config/settings.js';
import { loadSources } from '../config/sources.js';
import { formatInterval } from '../config/interval.js';
import { createApp, type App } from '../app.js';
import { checkSource, type CheckResult } from '../pipeline/check-source.js';
import { renderOpml } from '../publish/opml.js';
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
  const file = values.sources;
  const app = await createApp(settings, file ? { loadYaml: () => loadSources(file) } : {});
  try {
    await app.registry.load();
    switch (sub) {
      case 'list':
        return list(app, values.json === true);
      case 'check':
        return await check(app, positionals, values.json === true);
      case 'add': {
        const [url, ...tags] = positionals;
        if (!url) throw new UsageError('sources add: expected a URL');
        return report(await app.registry.add(url, tags, 'cli'));
      }
      case 'remove':
      case 'pause':
      case 'resume': {
        const [id] = positionals;
        if (!id || positionals.length > 1) throw new UsageError(`sources ${sub}: expected one source id`);
        return report(sub === 'remove' ? await app.registry.remove(id) : await app.registry.setPaused(id, sub === 'pause', 'cli'));
      }
      case 'import':
        return await importOpml(app, positionals);
      case 'export':
        process.stdout.write(renderOpml(app.registry.all(), { title: 'tidings sources', publicUrl: settings.PUBLIC_URL }));
        return 0;
      default:
        throw new UsageError(`sources: expected list, check, add, remove, pause, resume, import or export; got ${JSON.stringify(sub ?? '')}`);
    }
  } finally {
    await app.close();
  }
}

function list(app: App, json: boolean): number {
  const sources = app.registry.all();
  if (json) {
    process.stdout.write(`${JSON.stringify(sources, null, 2)}\n`);
    return 0;
  }
  const rows = sources.map((s) => [s.id, s.kind ?? 'auto', formatInterval(s.interval), s.tags.join(','), s.paused ? 'paused' : '', s.url]);
  process.stdout.write(`${renderTable(['id', 'kind', 'interval', 'tags', 'state', 'url'], rows)}\n`);
  return 0;
}

function report(r: { ok: boolean; source?: { id: string; url: string; kind?: string }; error?: string }): number {
  if (!r.ok) {
    process.stderr.write(`tidings: ${r.error}\n`);
    return 1;
  }
  if (r.source) process.stdout.write(`${r.source.id}\t${r.source.kind ?? 'auto'}\t${r.source.url}\n`);
  return 0;
}

async function check(app: App, positionals: string[], json: boolean): Promise<number> {
  const sources = app.registry.all();
  const unknown = positionals.filter((id) => !sources.some((s) => s.id === id));
  if (unknown.length > 0) throw new UsageError(`no such source: ${unknown.join(', ')}`);
  const selected = positionals.length > 0 ? sources.filter((s) => positionals.includes(s.id)) : sources;
  const bar = new ProgressBar(selected.length, 'checking');
  const results: CheckResult[] = await pollAll(
    selected,
    async (s) => {
      const r = await checkSource(s, { fetcher: app.fetcher, timeZone: app.settings.DEFAULT_TIMEZONE });
      bar.tick(s.id);
      return r;
    },
    app.settings.POLL_CONCURRENCY,
  );
  bar.finish();
  const order = new Map(selected.map((s, i) => [s.id, i]));
  results.sort((a, b) => order.get(a.sourceId)! - order.get(b.sourceId)!);
  if (json) {
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
}

/** The feeds an OPML file lists: outlines with an xmlUrl, their category as tags. */
export function opmlFeeds(text: string): { url: string; title?: string; tags: string[] }[] {
  const { document } = parseHTML(`<html><body>${text.replace(/<\?xml[^>]*\?>/, '')}</body></html>`);
  return [...document.querySelectorAll('outline')]
    .map((o) => ({
      url: (o.getAttribute('xmlurl') ?? o.getAttribute('xmlUrl') ?? '').trim(),
      title: o.getAttribute('title') ?? o.getAttribute('text') ?? undefined,
      tags: (o.getAttribute('category') ?? '')
        .split(/[,/]/)
        .map((t) => t.trim())
        .filter(Boolean),
    }))
    .filter((f) => f.url !== '');
}

async function importOpml(app: App, positionals: string[]): Promise<number> {
  const [file] = positionals;
  if (!file) throw new UsageError('sources import: expected an OPML file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`tidings: ${file}: cannot read: ${(err as Error).message}\n`);
    return 2;
  }
  const feeds = opmlFeeds(text);
  if (feeds.length === 0) {
    process.stderr.write(`tidings: ${file}: no <outline xmlUrl="…"> found; expected an OPML subscription list\n`);
    return 2;
  }
  let failed = 0;
  for (const f of feeds) {
    const r = await app.registry.add(f.url, f.tags, 'cli import');
    if (r.ok) process.stdout.write(`added\t${r.source!.id}\t${r.source!.url}\n`);
    else {
      failed++;
      process.stdout.write(`skipped\t${f.url}\t${r.error}\n`);
    }
  }
  process.stdout.write(`\n${feeds.length - failed} added, ${failed} skipped\n`);
  return failed > 0 ? 1 : 0;
}
