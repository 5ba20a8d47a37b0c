/**
 * Shared pieces of the fetch tests: loopback servers that count requests and concurrency, a
 * resolver mapping test host names to loopback addresses, and a fetcher factory whose
 * instances are closed after each test.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach } from 'vitest';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { createFetcher, type CreateFetcherOptions } from '../../src/fetch/http-client.js';
import type { Resolver } from '../../src/fetch/guarded-connect.js';
import type { Fetcher } from '../../src/fetch/types.js';

export const TEST_UA = 'tidings/0.1 (+https://github.com/tidings/tidings) test';

export interface CountingServer extends RunningServer {
  /** Requests received so far. */
  requests: number;
  /** Most requests in progress at once. */
  maxActive: number;
  /** Request paths in arrival order. */
  paths: string[];
  /** Request headers in arrival order. */
  seenHeaders: IncomingMessage['headers'][];
  /** TCP connections accepted. */
  connections: number;
}

const servers: RunningServer[] = [];
const fetchers: Fetcher[] = [];

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A loopback server (closed after the test) that counts requests and concurrency. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, server: CountingServer) => void,
  host = '127.0.0.1',
): Promise<CountingServer> {
  let active = 0;
  const state = { requests: 0, maxActive: 0, connections: 0 };
  const paths: string[] = [];
  const seenHeaders: IncomingMessage['headers'][] = [];
  const running = await listen((req, res) => {
    state.requests++;
    paths.push(req.url ?? '');
    seenHeaders.push(req.headers);
    active++;
    state.maxActive = Math.max(state.maxActive, active);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        active--;
      }
    };
    res.on('finish', finish);
    res.on('close', finish);
    handler(req, res, counting);
  }, host);
  running.server.on('connection', () => state.connections++);
  const counting: CountingServer = {
    server: running.server,
    origin: running.origin,
    port: running.port,
    close: running.close,
    paths,
    seenHeaders,
    get requests() {
      return state.requests;
    },
    get maxActive() {
      return state.maxActive;
    },
    get connections() {
      return state.connections;
    },
  };
  servers.push(running);
  return counting;
}

/** A fetcher (closed after the test); private networks allowed unless the test says otherwise. */
export function fetcher(options: Partial<CreateFetcherOptions> = {}): Fetcher {
  const f = createFetcher({ userAgent: TEST_UA, allowPrivateNetworks: true, timeoutMs: 5_000, ...options });
  fetchers.push(f);
  return f;
}

/** A resolver answering from a fixed table (names not in it: ENOTFOUND). */
export function tableResolver(table: Record<string, string | string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const answer = table[hostname.toLowerCase()];
    if (answer === undefined) {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      throw err;
    }
    return (Array.isArray(answer) ? answer : [answer]).map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { calls });
}

/** The rejection of `promise`, failing the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
