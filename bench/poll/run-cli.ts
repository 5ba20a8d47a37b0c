/**
 * One cycle as a real `tidings poll --once` process (the built CLI), under GNU time for its
 * peak RSS (getrusage's ru_maxrss of the child) and CPU time. Its log goes to a file, from
 * which the summary line is read.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readPollLog, type PollSummary } from './poll-log.js';

const GNU_TIME = '/usr/bin/time';

export interface CliCycle {
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  summary?: PollSummary;
  problems: string[];
}

export interface CliCycleRequest {
  /** The built CLI (build.ts). */
  cli: string;
  label: string;
  sourcesFile: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
  cpuProf: boolean;
}

export function assertGnuTime(): void {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install GNU time (apt-get install -y time) for peak-RSS measurement`);
}

export async function runCliCycle(req: CliCycleRequest): Promise<CliCycle> {
  const timeFile = path.join(req.workDir, `${req.label}.time`);
  const logFile = path.join(req.workDir, `${req.label}.log`);
  const profArgs = req.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(req.workDir, 'profiles'), '--cpu-prof-name', `${req.label}.cpuprofile`] : [];
  const args = ['-f', '%e %M %U %S', '-o', timeFile, process.execPath, ...profArgs, req.cli, 'poll', '--once', '--sources', req.sourcesFile];

  const logFd = openSync(logFile, 'w');
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(GNU_TIME, args, { cwd: req.workDir, env: req.env, stdio: ['ignore', 'ignore', logFd] });
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  }).finally(() => closeSync(logFd));
  const wallMs = performance.now() - started;

  const log = readFileSync(logFile, 'utf8');
  if (code !== 0) throw new Error(`tidings poll --once exited with ${code}; the end of ${logFile}:\n${log.slice(-2000)}`);
  // GNU time writes "<elapsed s> <max RSS KiB> <user s> <system s>" as the file's last line.
  const fields = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const [, maxRssKb, userS, systemS] = fields;
  if (fields.length !== 4 || fields.some((n) => !Number.isFinite(n))) throw new Error(`cannot read ${timeFile}`);
  const { summary, problems } = readPollLog(log);
  return { wallMs, cpuMs: (userS! + systemS!) * 1000, peakRssKb: maxRssKb!, summary, problems };
}
