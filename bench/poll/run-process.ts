/**
 * Process mode: one long-lived tidings process (cycle-driver.ts, built) that runs a cycle each
 * time it is asked, so the warm cycle runs where the cold one ran, on the same store — the only
 * way to measure a memory store, and what `tidings start` does between ticks.
 */
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { nextMessage, stopChild } from './child-messages.js';
import type { DriverCycle, FromDriver, ToDriver } from './driver-protocol.js';

export interface CycleProcess {
  startupMs: number;
  cycle(): Promise<DriverCycle>;
  close(): Promise<void>;
}

export interface CycleProcessRequest {
  /** The built cycle driver (build.ts). */
  driver: string;
  sourcesFile: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
  cpuProf: boolean;
}

export async function startCycleProcess(req: CycleProcessRequest): Promise<CycleProcess> {
  const profArgs = req.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(req.workDir, 'profiles'), '--cpu-prof-name', 'process.cpuprofile'] : [];
  const logFd = openSync(path.join(req.workDir, 'process.log'), 'w');
  const child = fork(req.driver, [req.sourcesFile], { cwd: req.workDir, env: req.env, execArgv: ['--expose-gc', ...profArgs], stdio: ['ignore', 'ignore', logFd, 'ipc'] });
  closeSync(logFd);
  const what = 'tidings cycle process';
  const send = (message: ToDriver): void => {
    child.send(message);
  };
  let ready;
  try {
    ready = await nextMessage<FromDriver, 'ready'>(child, 'ready', what);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    startupMs: ready.startupMs,
    async cycle() {
      const reply = nextMessage<FromDriver, 'cycle'>(child, 'cycle', what);
      send({ type: 'cycle' });
      return (await reply).result;
    },
    async close() {
      if (child.connected) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        send({ type: 'exit' });
        // Give it time to close the store and write a CPU profile before stopping it.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
        clearTimeout(timer);
      }
      await stopChild(child);
    },
  };
}
