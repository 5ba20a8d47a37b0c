import type { ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fetcher, rejection, serve, sleep } from './fetch-helpers.js';

/** `mib` MiB of zeros, gzipped without ever holding them in memory. */
async function gzipOfZeros(mib: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) {
    if (!gzip.write(block)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

/** Write 64 KiB chunks until the client goes away. */
function endless(res: ServerResponse): void {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.writeHead(200, { 'content-type': 'text/plain' });
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

describe('deadline', () => {
  it('aborts when the headers never come', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const err = await rejection(fetcher({ timeoutMs: 500 }).fetch({ url: `${server.origin}/slow` }));
    expect(err).toMatchObject({ kind: 'timeout' });
    expect((err as Error).message).toBe(`timed out after 0.5 s waiting for the response headers from ${server.origin}/slow`);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('aborts a body that drips one byte every 300 ms', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 300);
      req.socket.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const err = await rejection(fetcher({ timeoutMs: 1_000 }).fetch({ url: `${server.origin}/drip` }));
    expect(err).toMatchObject({ kind: 'timeout' });
    expect((err as Error).message).toMatch(new RegExp(`^timed out after 1 s reading the body of ${server.origin}/drip \\(\\d bytes received\\)$`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes a per-request timeout over the default', async () => {
    const server = await serve(() => undefined);
    const err = await rejection(fetcher({ timeoutMs: 10_000 }).fetch({ url: server.origin, timeoutMs: 300 }));
    expect(err).toMatchObject({ kind: 'timeout', message: expect.stringContaining('0.3 s') });
  });

  it('reports the caller aborting as aborted, not as a timeout', async () => {
    const server = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/x`, signal: controller.signal }));
    expect(err).toMatchObject({ kind: 'aborted', message: `fetch of ${server.origin}/x was aborted: shutting down` });
  });
});

describe('size cap', () => {
  it('stops an endless chunked body at the cap', async () => {
    const server = await serve((_req, res) => endless(res));
    const err = await rejection(fetcher({ maxBytes: 1024 * 1024 }).fetch({ url: `${server.origin}/endless` }));
    expect(err).toMatchObject({ kind: 'too-large' });
    expect((err as Error).message).toContain('larger than the 1 MiB limit');
    expect((err as Error).message).toContain(`${server.origin}/endless`);
  });

  it('refuses a Content-Length over the cap before reading', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    });
    const err = await rejection(fetcher({ maxBytes: 1024 * 1024 }).fetch({ url: `${server.origin}/huge`, timeoutMs: 3_000 }));
    expect(err).toMatchObject({ kind: 'too-large' });
    expect((err as Error).message).toContain('is 50 MiB by its Content-Length, larger than the 1 MiB limit');
  });

  it('measures after decompression and cuts a gzip bomb off with flat memory', async () => {
    // 200 MiB of zeros in ~200 KB: decompressing it whole would grow RSS far past the bound.
    const bomb = await gzipOfZeros(200);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb));
    const before = process.memoryUsage().rss;
    const err = await rejection(fetcher({ maxBytes: 1024 * 1024 }).fetch({ url: `${server.origin}/bomb` }));
    const grown = process.memoryUsage().rss - before;
    expect(err).toMatchObject({ kind: 'too-large', message: expect.stringContaining('after decompression') });
    console.info(`gzip bomb: RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });

  it('takes a per-request cap', async () => {
    const server = await serve((_req, res) => res.end(Buffer.alloc(2000)));
    await expect(fetcher().fetch({ url: server.origin, maxBytes: 1000 })).rejects.toMatchObject({ kind: 'too-large' });
    await expect(fetcher().fetch({ url: server.origin, maxBytes: 2000 })).resolves.toMatchObject({ status: 200 });
  });
});

describe('concurrency', () => {
  it('runs at most perHostConcurrency requests per host at once', async () => {
    const server = await serve((_req, res) => void sleep(100).then(() => res.end('ok')));
    const f = fetcher({ perHostConcurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => f.fetch({ url: `${server.origin}/${i}` })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(server.requests).toBe(6);
    expect(server.maxActive).toBe(2);
  });

  it('does not count time queued for the host against the deadline', async () => {
    const server = await serve((_req, res) => void sleep(300).then(() => res.end('ok')));
    const f = fetcher({ perHostConcurrency: 1, timeoutMs: 1_000 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => f.fetch({ url: `${server.origin}/${i}` })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.maxActive).toBe(1);
  });

  it('lets different hosts proceed in parallel', async () => {
    // Each server answers only once the other has a request in hand: serialising the two hosts
    // would stall until the fallback timer and fail the check on `together`.
    let arrived = 0;
    let together = false;
    const waiters: Array<() => void> = [];
    const handler = (_req: unknown, res: ServerResponse): void => {
      arrived++;
      const answer = (): void => void res.end('ok');
      if (arrived === 2) {
        together = true;
        waiters.splice(0).forEach((w) => w());
        answer();
      } else {
        waiters.push(answer);
        setTimeout(answer, 2_000);
      }
    };
    const a = await serve((_req, res) => handler(_req, res), '127.0.0.1');
    const b = await serve((_req, res) => handler(_req, res), '127.0.0.2');
    const f = fetcher({ perHostConcurrency: 1 });
    await Promise.all([f.fetch({ url: a.origin }), f.fetch({ url: b.origin })]);
    expect(together).toBe(true);
  });

  it('applies the global limit across hosts', async () => {
    const slow = (_req: unknown, res: ServerResponse): void => void sleep(50).then(() => res.end('ok'));
    const a = await serve(slow, '127.0.0.1');
    const b = await serve(slow, '127.0.0.2');
    const f = fetcher({ perHostConcurrency: 5, globalConcurrency: 1 });
    await Promise.all([a, b, a, b].map((s, i) => f.fetch({ url: `${s.origin}/${i}` })));
    expect(a.maxActive + b.maxActive).toBe(2); // each saw one at a time …
    expect(a.maxActive).toBe(1);
    expect(b.maxActive).toBe(1);
  });

  it('releases the slot after errors, and a queued request can be aborted', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(req.url === '/fail' ? 500 : 200).end('x');
    });
    const f = fetcher({ perHostConcurrency: 1 });
    await expect(f.fetch({ url: `${server.origin}/fail` })).rejects.toMatchObject({ kind: 'http', status: 500 });
    await expect(f.fetch({ url: `${server.origin}/ok` })).resolves.toMatchObject({ status: 200 });

    const hanging = f.fetch({ url: `${server.origin}/hang`, timeoutMs: 1_000 });
    const controller = new AbortController();
    const queued = f.fetch({ url: `${server.origin}/ok`, signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ kind: 'aborted' });
    await expect(hanging).rejects.toMatchObject({ kind: 'timeout' });
    await expect(f.fetch({ url: `${server.origin}/ok` })).resolves.toMatchObject({ status: 200 });
    expect(server.paths).toEqual(['/fail', '/ok', '/hang', '/ok']);
  });

  it('reuses keep-alive connections', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const f = fetcher();
    for (let i = 0; i < 3; i++) await f.fetch({ url: `${server.origin}/${i}` });
    expect(server.requests).toBe(3);
    expect(server.connections).toBe(1);
  });
});
