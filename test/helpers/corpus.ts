/**
 * The shared corpus (../shared/corpus beside the checkout) and loopback servers for it.
 */
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { runCli, type CliResult } from './cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `../shared` beside the checkout; TIDINGS_SHARED overrides. */
export const sharedDir = process.env.TIDINGS_SHARED ?? path.resolve(here, '../../../shared');
export const corpusDir = path.join(sharedDir, 'corpus');
export const hasCorpus = existsSync(corpusDir);

export interface RunningServer {
  server: Server;
  origin: string;
  port: number;
  close(): Promise<void>;
}

/** Start an HTTP server on 127.0.0.1 (or `host`) with a random port. */
export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host = '127.0.0.1',
): Promise<RunningServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    origin: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serve one folder of `corpus/sites/` from its own origin: each path listed in its
 * `_headers.json` with that Content-Type, everything else 404. Counts requests per path.
 */
export async function serveSite(site: string, host = '127.0.0.1'): Promise<RunningServer & { hits: Map<string, number> }> {
  const dir = path.join(corpusDir, 'sites', site);
  const headers = JSON.parse(readFileSync(path.join(dir, '_headers.json'), 'utf8')) as Record<string, string>;
  const hits = new Map<string, number>();
  const running = await listen((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const type = headers[p];
    if (!type) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readFile(path.join(dir, p)).then(
      (body) => {
        // Validators, so conditional GET can be exercised against the corpus sites.
        const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag }).end();
          return;
        }
        res.writeHead(200, { 'content-type': type, 'content-length': body.length, etag, 'last-modified': 'Sun, 13 Oct 2024 10:44:04 GMT' }).end(body);
      },
      () => res.writeHead(500).end(),
    );
  }, host);
  return { ...running, hits };
}

export const corpusSites = ['kjxx', 'qysti', 'zgrm', 'mrxw', 'spun', 'xjkjt'] as const;

/**
 * Serve every corpus site on its own loopback origin (added to `servers`), write the corpus's
 * sources.yaml with those origins into `dir`, and poll it once into an empty memory store
 * with `poll --once --emit jsonl --dry-run`.
 */
export async function pollCorpusSources(servers: Map<string, RunningServer>, dir: string): Promise<CliResult> {
  let yaml = readFileSync(path.join(corpusDir, 'sources.yaml'), 'utf8');
  for (const site of corpusSites) {
    const s = await serveSite(site);
    servers.set(site, s);
    yaml = yaml.replaceAll(`{${site}}`, s.origin);
  }
  const file = path.join(dir, 'sources.yaml');
  writeFileSync(file, yaml);
  return runCli(['poll', '--once', '--emit', 'jsonl', '--dry-run', '--sources', file], {
    cwd: dir,
    env: { STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '10s' },
    timeoutMs: 90_000,
  });
}
