/**
 * Build the tidings that is measured: a snapshot of src/ and tsconfig.json — from the HEAD
 * commit (default: reproducible, and unaffected by edits in progress) or from the working
 * tree — plus the cycle driver, compiled with tsc into bench/out/build/dist. The benchmark then
 * runs plain JavaScript as `npm run build` would produce it, with no tsx loader in the measured
 * process, and the shared dist/ folder is left alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type BuildSource = 'head' | 'worktree';

export interface TidingsBuild {
  /** The built `tidings` CLI (src/cli/main.ts). */
  cli: string;
  /** The built cycle driver (process mode). */
  driver: string;
  /** What was built: a commit, with `+worktree` when uncommitted changes were included. */
  revision: string;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_ROOT = fileURLToPath(new URL('../out/build/', import.meta.url));
/** The driver and what it imports from bench/poll (the rest of bench/poll is not compiled). */
const DRIVER_FILES = ['cycle-driver.ts', 'driver-protocol.ts', 'peak-memory.ts'];

function git(...args: string[]): Buffer {
  return execFileSync('git', args, { cwd: REPO, maxBuffer: 256 * 1024 * 1024 });
}

function snapshot(from: BuildSource): string {
  rmSync(BUILD_ROOT, { recursive: true, force: true });
  mkdirSync(path.join(BUILD_ROOT, 'bench', 'poll'), { recursive: true });
  const commit = git('rev-parse', '--short', 'HEAD').toString().trim();
  if (from === 'head') {
    execFileSync('tar', ['-x', '-C', BUILD_ROOT], { input: git('archive', 'HEAD', 'src') });
    writeFileSync(path.join(BUILD_ROOT, 'tsconfig.base.json'), git('show', 'HEAD:tsconfig.json'));
  } else {
    cpSync(path.join(REPO, 'src'), path.join(BUILD_ROOT, 'src'), { recursive: true });
    cpSync(path.join(REPO, 'tsconfig.json'), path.join(BUILD_ROOT, 'tsconfig.base.json'));
  }
  for (const file of DRIVER_FILES) cpSync(path.join(REPO, 'bench', 'poll', file), path.join(BUILD_ROOT, 'bench', 'poll', file));
  const tsconfig = {
    extends: './tsconfig.base.json',
    compilerOptions: { rootDir: '.', outDir: 'dist', noEmit: false, incremental: false },
    include: ['src', 'bench/poll/cycle-driver.ts'],
  };
  writeFileSync(path.join(BUILD_ROOT, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const dirty = from === 'worktree' && git('status', '--porcelain', '--', 'src', 'tsconfig.json').length > 0;
  return `${commit}${dirty ? '+worktree' : ''}`;
}

export function buildTidings(from: BuildSource, skip: boolean): TidingsBuild {
  const built = {
    cli: path.join(BUILD_ROOT, 'dist', 'src', 'cli', 'main.js'),
    driver: path.join(BUILD_ROOT, 'dist', 'bench', 'poll', 'cycle-driver.js'),
  };
  const revisionFile = path.join(BUILD_ROOT, 'REVISION');
  if (skip && existsSync(built.cli) && existsSync(built.driver) && existsSync(revisionFile)) {
    return { ...built, revision: readFileSync(revisionFile, 'utf8').trim() };
  }
  const revision = snapshot(from);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(BUILD_ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`building ${from === 'head' ? 'HEAD' : 'the working tree'} failed (tsc exit ${result.status ?? result.signal})`);
  writeFileSync(revisionFile, `${revision}\n`);
  return { ...built, revision };
}
