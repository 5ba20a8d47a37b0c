/**
 * Every source tidings polls: the YAML ones (re-read on demand) and the ones added at run time
 * (bot `/addsource`, `tidings sources import`), which live in the store beside them. Admins
 * can pause any source; a YAML source can only be removed by editing its file.
 *
 * A source added at run time goes through the same guarded fetcher as polling and is checked
 * once before it is accepted: a page URL is accepted too — its feed is discovered from
 * `<link rel="alternate">`, and failing that it becomes an HTML list source if a list of
 * dated articles is found on it.
 *
 * Keys: `runtime-sources` (the added sources, edited under a lease), `source-paused`
 * (ids paused by an admin → who and when).
 */
import { parseHTML } from 'linkedom';
import type { Source, SourceKind } from '../domain/source.js';
import type { KeyValue } from '../store/keyv-store.js';
import type { Store } from '../store/store.js';
import type { Fetcher } from '../fetch/types.js';
import { decodeText } from '../fetch/decode.js';
import { checkSource } from '../pipeline/check-source.js';
import { detectDocumentKind } from './detect-kind.js';

export interface AddResult {
  ok: boolean;
  source?: Source;
  error?: string;
}

export interface RegistryDeps {
  kv: KeyValue;
  store: Store;
  fetcher: Fetcher;
  timeZone: string;
  loadYaml: () => Source[];
}

interface PauseRecord {
  by: string;
  at: string;
}

const DEFAULT_INTERVAL = { kind: 'every', ms: 15 * 60_000 } as const;

export class SourceRegistry {
  private yaml: Source[] = [];
  private runtime: Source[] = [];
  private paused: Record<string, PauseRecord> = {};
  /** `all()` and the lookup by id, built once per change (a poll job looks its source up by id). */
  private merged: { list: Source[]; byId: Map<string, Source> } | undefined;

  constructor(private readonly deps: RegistryDeps) {}

  /** Read the YAML and the store. Throws ConfigError for a bad YAML file. */
  async load(): Promise<void> {
    this.yaml = this.deps.loadYaml();
    this.merged = undefined;
    await this.refresh();
  }

  /** Re-read the run-time sources and pause marks from the store (another process may have edited them). */
  async refresh(): Promise<void> {
    this.runtime = (await this.deps.kv.get<Source[]>('runtime-sources')) ?? [];
    this.paused = (await this.deps.kv.get<Record<string, PauseRecord>>('source-paused')) ?? {};
    this.merged = undefined;
  }

  /** Re-read the YAML only (SIGHUP, file watch). Throws ConfigError and keeps the old list. */
  reloadYaml(): void {
    this.yaml = this.deps.loadYaml();
    this.merged = undefined;
  }

  /** All sources, YAML first; an id defined in YAML wins over a run-time one. */
  all(): Source[] {
    return this.current().list.slice();
  }

  get(id: string): Source | undefined {
    return this.current().byId.get(id);
  }

  private current(): { list: Source[]; byId: Map<string, Source> } {
    if (!this.merged) {
      const ids = new Set(this.yaml.map((s) => s.id));
      const list = [...this.yaml, ...this.runtime.filter((s) => !ids.has(s.id))].map((s) => (this.paused[s.id] ? { ...s, paused: true } : s));
      this.merged = { list, byId: new Map(list.map((s) => [s.id, s])) };
    }
    return this.merged;
  }

  /** Add a source from a URL (feed or page), checked once; `by` is recorded in its origin. */
  async add(url: string, tags: string[], by: string): Promise<AddResult> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, error: `not a URL: ${url}` };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, error: `only http:// and https:// URLs can be sources (got ${parsed.protocol})` };
    const existing = this.all().find((s) => s.url === parsed.href);
    if (existing) return { ok: false, error: `already a source: ${existing.id}` };

    let candidate: { url: string; kind: SourceKind; name?: string };
    try {
      candidate = await this.discover(parsed.href);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const known = this.all().find((s) => s.url === candidate.url);
    if (known) return { ok: false, error: `already a source: ${known.id} (${candidate.url})` };
    const source: Source = {
      id: this.newId(new URL(candidate.url)),
      name: candidate.name ?? parsed.hostname,
      url: candidate.url,
      kind: candidate.kind,
      interval: DEFAULT_INTERVAL,
      fulltext: 'auto',
      tags: tags.filter((t) => /^[^/\\\s.][^/\\]*$/.test(t)).slice(0, 10),
      origin: `store (added by ${by})`,
    };
    const check = await checkSource(source, { fetcher: this.deps.fetcher, timeZone: this.deps.timeZone });
    if (!check.ok) return { ok: false, error: check.error?.message ?? 'the source could not be read' };
    if (check.items === 0) return { ok: false, error: `${source.url}: no articles found` };
    await this.editRuntime((list) => [...list.filter((s) => s.id !== source.id), source]);
    return { ok: true, source };
  }

  /** Remove a run-time source. YAML sources are refused with where they are defined. */
  async remove(id: string): Promise<AddResult> {
    const yaml = this.yaml.find((s) => s.id === id);
    if (yaml) return { ok: false, error: `${id} is defined in ${yaml.origin}; remove it there (or pause it)` };
    if (!this.runtime.some((s) => s.id === id)) return { ok: false, error: `no such source: ${id}` };
    await this.editRuntime((list) => list.filter((s) => s.id !== id));
    return { ok: true };
  }

  async setPaused(id: string, paused: boolean, by = 'admin'): Promise<AddResult> {
    const source = this.all().find((s) => s.id === id);
    if (!source) return { ok: false, error: `no such source: ${id}` };
    await this.deps.store.withLock('source-paused', 5000, async () => {
      const current = (await this.deps.kv.get<Record<string, PauseRecord>>('source-paused')) ?? {};
      if (paused) current[id] = { by, at: new Date().toISOString() };
      else delete current[id];
      await this.deps.kv.set('source-paused', current);
      this.paused = current;
      this.merged = undefined;
    });
    return { ok: true, source: { ...source, paused } };
  }

  /** What to poll for a URL: the URL itself when it is a feed or list, or the feed its page names. */
  private async discover(url: string): Promise<{ url: string; kind: SourceKind; name?: string }> {
    const res = await this.deps.fetcher.fetch({ url });
    const decoded = decodeText(res.body, res.contentType);
    const kind = detectDocumentKind(decoded.text, res.contentType);
    if (kind === 'feed' || kind === 'json-feed') return { url: res.url, kind: 'feed', name: feedTitle(decoded.text) };
    if (kind === 'html') {
      const { document } = parseHTML(decoded.text);
      const alternate = [...document.querySelectorAll('link[rel~="alternate"][href]')].find((l) =>
        /application\/(rss|atom|feed)\+(xml|json)|application\/json/i.test(l.getAttribute('type') ?? ''),
      );
      const title = document.querySelector('title')?.textContent?.replace(/\s+/g, ' ').trim() || undefined;
      if (alternate) return { url: new URL(alternate.getAttribute('href')!, res.url).href, kind: 'feed', name: alternate.getAttribute('title') ?? title };
      return { url: res.url, kind: 'html', name: title };
    }
    throw new Error(`${url}: not a feed or a web page (${res.contentType ?? 'no content type'})`);
  }

  private newId(url: URL): string {
    const base = `${url.hostname.replace(/^www\./, '')}${url.pathname}`
      .toLowerCase()
      .replace(/\.(s?html?|xml|php|jsp|aspx?)$/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '');
    const taken = new Set(this.all().map((s) => s.id));
    let id = base || 'source';
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  private async editRuntime(edit: (list: Source[]) => Source[]): Promise<void> {
    await this.deps.store.withLock('runtime-sources', 5000, async () => {
      const current = (await this.deps.kv.get<Source[]>('runtime-sources')) ?? [];
      const next = edit(current);
      await this.deps.kv.set('runtime-sources', next);
      this.runtime = next;
      this.merged = undefined;
    });
  }
}

function feedTitle(text: string): string | undefined {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text.slice(0, 20_000));
  const t = m?.[1]?.replace(/<!\[CDATA\[|\]\]>/g, '').replace(/\s+/g, ' ').trim();
  return t || undefined;
}
