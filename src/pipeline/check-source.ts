/**
 * checkSource: fetch a source once (unconditionally), decode and parse it, and report what
 * came, without storing anything. Used by `tidings sources check` and, later, to vet sources
 * added at run time.
 */
import type { Source } from '../domain/source.js';
import { decodeText } from '../fetch/decode.js';
import type { Fetcher } from '../fetch/types.js';
import { describeError, parseDocument, tlsOptions } from './poll-source.js';

export interface CheckResult {
  sourceId: string;
  ok: boolean;
  status?: number;
  items: number;
  format?: string;
  encoding?: string;
  encodingNote?: string;
  finalUrl?: string;
  ms: number;
  error?: { kind: string; message: string };
}

export async function checkSource(source: Source, deps: { fetcher: Fetcher; timeZone: string; now?: Date }): Promise<CheckResult> {
  const started = Date.now();
  try {
    const res = await deps.fetcher.fetch({ url: source.url, sourceId: source.id, headers: source.headers, tls: tlsOptions(source) });
    const decoded = decodeText(res.body, res.contentType, source.encoding);
    const parsed = await parseDocument(source, decoded.text, res, deps, deps.now ?? new Date());
    return {
      sourceId: source.id,
      ok: true,
      status: res.status,
      items: parsed.items.length,
      format: parsed.format,
      encoding: decoded.encoding,
      encodingNote: decoded.note,
      finalUrl: res.url,
      ms: Date.now() - started,
    };
  } catch (err) {
    return { sourceId: source.id, ok: false, items: 0, ms: Date.now() - started, error: describeError(err, source) };
  }
}
