/**
 * Reading a response body: undo its Content-Encoding (gzip, x-gzip, deflate in both the zlib
 * and the raw form, br, stacked like `gzip, gzip`) with node:zlib streams, and stop as soon as
 * the decoded size passes the cap. Decoding pulls chunk by chunk, so a gzip bomb or an endless
 * body costs at most the cap in memory before it is cut off.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

/** The decoded body passed `maxBytes`. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`body exceeds ${formatBytes(maxBytes)}`);
  }
}

/** The body could not be decompressed (corrupt data, or a coding tidings does not know). */
export class BodyDecodeError extends Error {
  override readonly name = 'BodyDecodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ReadBodyResult {
  body: Buffer;
  /** Bytes read from the connection, before decompression. */
  wireBytes: number;
}

/** `10 MiB`, `512 KiB`, `300 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The codings of a Content-Encoding header in the order they were applied (identity dropped). */
export function parseContentEncoding(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
}

type Chunks = AsyncIterable<Buffer>;

/** Read the first `n` bytes (fewer at the end), and an iterable that replays them first. */
async function peek(source: Chunks, n: number): Promise<{ head: Buffer; rest: Chunks }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(seen, length);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      if (!done) await iterator.return?.();
    }
  }
  return { head, rest: replay() };
}

/** Feed `source` through a zlib stream, pulling only as fast as the consumer reads. */
async function* throughZlib(source: Chunks, inflater: zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress, coding: string): AsyncGenerator<Buffer> {
  const feeder = Readable.from(source, { objectMode: false });
  let upstreamFailed = false;
  feeder.on('error', (err) => {
    upstreamFailed = true;
    inflater.destroy(err);
  });
  feeder.pipe(inflater);
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    // Errors from below (connection, deadline) pass through; the inflater's own are bad data.
    if (upstreamFailed) throw err;
    throw new BodyDecodeError(`the ${coding} body is corrupt (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  } finally {
    feeder.unpipe(inflater);
    feeder.destroy();
    inflater.destroy();
  }
}

/** Tolerate truncated streams the way browsers do: flush what decoded so far. */
const ZLIB_OPTIONS: zlib.ZlibOptions = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI_OPTIONS: zlib.BrotliOptions = { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** Undo one content coding. */
async function* decodeLayer(source: Chunks, coding: string): AsyncGenerator<Buffer> {
  switch (coding) {
    case 'gzip':
    case 'x-gzip': {
      const { head, rest } = await peek(source, 2);
      if (head.length === 0) return;
      // Not gzip after all (a proxy already decoded it): pass the bytes through.
      if (head[0] !== 0x1f || head[1] !== 0x8b) {
        yield* rest;
        return;
      }
      yield* throughZlib(rest, zlib.createGunzip(ZLIB_OPTIONS), coding);
      return;
    }
    case 'deflate':
    case 'x-deflate': {
      const { head, rest } = await peek(source, 2);
      if (head.length === 0) return;
      // RFC 9110 says zlib-wrapped; some servers send raw deflate. A zlib header is CM=8 and a
      // 16-bit big-endian value divisible by 31.
      const cmf = head[0] ?? 0;
      const flg = head[1] ?? 0;
      const wrapped = (cmf & 0x0f) === 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 === 0;
      yield* throughZlib(rest, wrapped ? zlib.createInflate(ZLIB_OPTIONS) : zlib.createInflateRaw(ZLIB_OPTIONS), coding);
      return;
    }
    case 'br': {
      const { head, rest } = await peek(source, 1);
      if (head.length === 0) return;
      yield* throughZlib(rest, zlib.createBrotliDecompress(BROTLI_OPTIONS), coding);
      return;
    }
    default:
      throw new BodyDecodeError(`the server used Content-Encoding ${JSON.stringify(coding)}, which tidings cannot decode (it asks for gzip, deflate or br)`);
  }
}

/**
 * Most content codings undone for one body (curl allows 5 since CVE-2022-32206): each layer
 * costs a zlib stream and an async generator, so a header listing thousands of codings would
 * exhaust memory or the stack before the size cap could act.
 */
export const MAX_STACKED_CODINGS = 5;

/** Counters a caller can watch while the body is read (for timeout messages). */
export interface BodyProgress {
  wireBytes: number;
  decodedBytes: number;
}

/**
 * Read `stream` to the end, decoded per `contentEncoding`, failing with `BodyTooLargeError` as
 * soon as more than `maxBytes` decoded bytes arrive (and `BodyDecodeError` on corrupt data).
 * Reading stops early on failure; the caller should destroy its stream then.
 */
export async function readBody(
  stream: AsyncIterable<Buffer | Uint8Array>,
  contentEncoding: string | undefined,
  maxBytes: number,
  progress: BodyProgress = { wireBytes: 0, decodedBytes: 0 },
): Promise<ReadBodyResult> {
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      progress.wireBytes += buffer.length;
      yield buffer;
    }
  }
  const codings = parseContentEncoding(contentEncoding);
  if (codings.length > MAX_STACKED_CODINGS) {
    const shown = codings.length > 8 ? `${codings.slice(0, 8).join(', ')}, …` : codings.join(', ');
    throw new BodyDecodeError(`the server stacked ${codings.length} content codings (${shown}); tidings undoes at most ${MAX_STACKED_CODINGS}`);
  }
  let decoded: Chunks = counted();
  for (const coding of codings.reverse()) decoded = decodeLayer(decoded, coding);

  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of decoded) {
    total += chunk.length;
    progress.decodedBytes = total;
    if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks, total), wireBytes: progress.wireBytes };
}
