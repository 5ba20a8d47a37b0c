/**
 * Tests that need an outside program or service (jing, python3-feedparser, Redis, PostgreSQL,
 * chromium) run when it is there and are skipped with a visible notice when it is not,
 * so `npm test` passes on a bare machine. Under TIDINGS_TEST_REQUIRE_ALL=1 (set by .ci/run)
 * a missing one fails instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export const requireAll = process.env.TIDINGS_TEST_REQUIRE_ALL === '1';

/** True when `cmd args` runs and exits 0. */
export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  if (cmd.startsWith('/') && !existsSync(cmd)) return false;
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
}

/** True when something accepts TCP connections on host:port within 1 s. */
export async function hasTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Decide whether a suite that needs `what` runs. Returns true to run it; prints a notice and
 * returns false to skip; throws under TIDINGS_TEST_REQUIRE_ALL=1 when it is missing.
 */
export function needs(what: string, available: boolean): boolean {
  if (available) return true;
  if (requireAll) {
    throw new Error(`${what} is required (TIDINGS_TEST_REQUIRE_ALL=1) but is not available on this machine`);
  }
  console.warn(`[tidings tests] SKIPPED: ${what} is not available on this machine; install it to run these tests`);
  return false;
}
