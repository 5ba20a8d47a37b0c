/**
 * What the side-by-side benchmarks share: the tidings build (bench/poll/build.ts: HEAD's src/
 * compiled into bench/out/build, so dist/ and edits in progress are left alone), a timed child
 * process under GNU time (wall time start-up included, user + system CPU, peak RSS), the
 * machine's load, and a plain-text table.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, formatMachine } from '../poll/machine.js';
import { machineBusyMs } from '../poll/machine-load.js';

export { buildTidings } from '../poll/build.js';

export const GNU_TIME = '/usr/bin/time';
export const OUT_ROOT = fileURLToPath(new URL('../out/compare/', import.meta.url));

/** A fresh output folder for one run: bench/out/compare/<name>/<timestamp>. */
export function runDir(name: string): string {
  const dir = path.join(OUT_ROOT, name, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function loadAverage(): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(', ');
}

export function machineLine(): string {
  return formatMachine(describeMachine());
}

export interface Timed {
  code: number | null;
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  /** CPU other processes used during the run (machine busy time minus the child's and this process's), per second of wall time. */
  othersCores: number;
  /** Load average (1, 5, 15 min) when the run started. */
  loadBefore: string;
  stdout: string;
  stderr: string;
}

/** Run `command args` under GNU time with stdout and stderr kept in files in `dir` (named by `label`). */
export async function timedRun(label: string, dir: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Timed> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: apt-get install -y time`);
  const timeFile = path.join(dir, `${label}.time`);
  const outFile = path.join(dir, `${label}.stdout`);
  const errFile = path.join(dir, `${label}.stderr`);
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  const loadBefore = loadAverage();
  const busy0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%e %M %U %S', '-o', timeFile, command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', outFd, errFd] });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  }).finally(() => {
    closeSync(outFd);
    closeSync(errFd);
  });
  const wallMs = performance.now() - started;
  const self = process.cpuUsage(self0);
  const busyMs = machineBusyMs() - busy0;
  const fields = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const [, maxRssKb, userS, systemS] = fields;
  const cpuMs = (userS! + systemS!) * 1000;
  const othersMs = Math.max(0, busyMs - cpuMs - (self.user + self.system) / 1000);
  return {
    code,
    wallMs,
    cpuMs,
    peakRssKb: maxRssKb!,
    othersCores: othersMs / wallMs,
    loadBefore,
    stdout: readFileSync(outFile, 'utf8'),
    stderr: readFileSync(errFile, 'utf8'),
  };
}

/** The environment of a measured process: PATH and what the benchmark sets, nothing from the caller's shell. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...extra };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function mib(kb: number): string {
  return `${Math.round(kb / 1024)} MiB`;
}

/** A Markdown table (also readable as plain text). */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Wait until the 1-minute load average is at most `max` (or `maxWaitMs` passed); returns the load seen. */
export async function waitForQuiet(max: number, maxWaitMs: number): Promise<string> {
  const until = Date.now() + maxWaitMs;
  while (os.loadavg()[0]! > max && Date.now() < until) {
    process.stderr.write(`load ${loadAverage()} > ${max}: waiting\n`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
  return loadAverage();
}

export interface LoopbackServers {
  port: number;
  addresses: string[];
  close(): Promise<void>;
}

/**
 * One HTTP server per address, all on the same port (the first address picks a free one; the
 * rest bind it too: each loopback address has its own port space).
 */
export async function serveOnLoopback(addresses: string[], handler: http.RequestListener): Promise<LoopbackServers> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const servers: http.Server[] = [];
    try {
      let port = 0;
      for (const address of addresses) {
        const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, address, () => resolve());
        });
        port = (server.address() as AddressInfo).port;
      }
      return {
        port,
        addresses,
        close: async () => {
          await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
        },
      };
    } catch (err) {
      for (const s of servers) s.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error('no port free on every loopback address');
}
