import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FetchError } from '../../src/fetch/types.js';
import { fetcher, rejection, serve, tableResolver } from './fetch-helpers.js';
import { INTERMEDIATE_CA_CERT, LEAF_CERT, LEAF_KEY, ROOT_CA_CERT } from './fixtures/test-pki.js';

const httpsServers: HttpsServer[] = [];
afterEach(async () => {
  await Promise.all(
    httpsServers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** An https server on 127.0.0.1 presenting the leaf, with or without its intermediate. */
async function httpsServer(sendIntermediate: boolean): Promise<string> {
  const server = createHttpsServer({ key: LEAF_KEY, cert: sendIntermediate ? LEAF_CERT + INTERMEDIATE_CA_CERT : LEAF_CERT }, (_req, res) => res.end('secure'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  httpsServers.push(server);
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/feed`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('network errors', () => {
  it('maps a refused connection to connect, naming the URL', async () => {
    const port = await closedPort();
    const err = await rejection(fetcher().fetch({ url: `http://127.0.0.1:${port}/feed` }));
    expect(err).toBeInstanceOf(FetchError);
    expect(err).toMatchObject({ kind: 'connect', message: `connection refused by 127.0.0.1:${port} (ECONNREFUSED) fetching http://127.0.0.1:${port}/feed` });
  });

  it('maps an unknown host to dns', async () => {
    const err = await rejection(fetcher({ resolver: tableResolver({}) }).fetch({ url: 'http://no-such-host.example/feed' }));
    expect(err).toMatchObject({ kind: 'dns', message: expect.stringContaining('cannot resolve no-such-host.example (ENOTFOUND') });
    expect((err as Error).message).toContain('http://no-such-host.example/feed');
  });

  it('maps a temporary DNS failure to dns', async () => {
    const resolver = async (): Promise<never> => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN feeds.example'), { code: 'EAI_AGAIN' });
    };
    const err = await rejection(fetcher({ resolver }).fetch({ url: 'http://feeds.example/' }));
    expect(err).toMatchObject({ kind: 'dns', message: expect.stringContaining('a temporary DNS failure') });
  });

  it('maps a connection reset before the headers to network', async () => {
    const server = await serve((req) => req.socket.destroy());
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/x` }));
    expect(err).toMatchObject({ kind: 'network' });
    expect((err as Error).message).toContain(`${server.origin}/x`);
  });

  it('maps a body cut short of its Content-Length to network', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only a little');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const err = await rejection(fetcher().fetch({ url: server.origin }));
    expect(err).toMatchObject({ kind: 'network' });
  });

  it('refuses to start after close()', async () => {
    const f = fetcher();
    await f.close();
    await expect(f.fetch({ url: 'http://127.0.0.1:1/' })).rejects.toMatchObject({ kind: 'aborted', message: expect.stringContaining('closed') });
  });

  it('rejects invalid options at creation', () => {
    expect(() => fetcher({ perHostConcurrency: 0 })).toThrow(RangeError);
    expect(() => fetcher({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => fetcher({ userAgent: '' })).toThrow(RangeError);
  });
});

describe('TLS', () => {
  it('says the intermediate certificate is probably missing', async () => {
    const url = await httpsServer(false);
    const err = await rejection(fetcher().fetch({ url }));
    expect(err).toMatchObject({ kind: 'tls' });
    const message = (err as Error).message;
    expect(message).toContain(url);
    expect(message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(message).toContain('the server probably omits its intermediate certificate');
    expect(message).toContain('tls: { ca: path }');
  });

  it('trusts a CA given per request, on top of the default roots', async () => {
    const url = await httpsServer(false);
    const result = await fetcher().fetch({ url, tls: { ca: INTERMEDIATE_CA_CERT + ROOT_CA_CERT } });
    expect(result.body.toString()).toBe('secure');
    const chained = await httpsServer(true);
    expect((await fetcher().fetch({ url: chained, tls: { ca: ROOT_CA_CERT } })).body.toString()).toBe('secure');
  });

  it('skips verification with insecure, and only for that request', async () => {
    const url = await httpsServer(true);
    const f = fetcher();
    expect((await f.fetch({ url, tls: { insecure: true } })).body.toString()).toBe('secure');
    await expect(f.fetch({ url })).rejects.toMatchObject({ kind: 'tls' });
  });

  it('names a CA that is not PEM', async () => {
    const url = await httpsServer(true);
    const err = await rejection(fetcher().fetch({ url, tls: { ca: 'not a certificate' } }));
    expect(err).toMatchObject({ kind: 'tls', message: expect.stringContaining(`the CA certificate configured for ${url} is not usable: it contains no PEM certificate`) });
    const broken = ROOT_CA_CERT.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
    await expect(fetcher().fetch({ url, tls: { ca: broken } })).rejects.toMatchObject({ kind: 'tls', message: expect.stringContaining('certificate 1 of 1 cannot be parsed') });
  });

  it('says when the certificate does not match the host', async () => {
    const url = (await httpsServer(true)).replace('127.0.0.1', 'feeds.example');
    const f = fetcher({ resolver: tableResolver({ 'feeds.example': '127.0.0.1' }) });
    const err = await rejection(f.fetch({ url, tls: { ca: ROOT_CA_CERT } }));
    expect(err).toMatchObject({ kind: 'tls', message: expect.stringContaining('not valid for that name') });
  });
});
