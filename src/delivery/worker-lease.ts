/**
 * A worker lease in the store: per channel (`telegram`, `email`), at most one process drains
 * the outbox and (Telegram, long polling) receives updates; every other process stands by and
 * takes over when the holder is gone.
 *
 * Keys: `lease:<name>` the lease record `{ token, fence, holder, … }` with an expiry (the
 * TTL, 15 s by default), and `lease:<name>:fence` the fencing counter, raised at every
 * acquisition (never expires). Acquire, renew and release read and write them under the
 * store's short lock `lock:lease:<name>` (a setIfAbsent lease, see Store.withLock), so the
 * check-then-write is atomic on every backend.
 *
 * - The holder renews every `renewEveryMs` (5 s): only while the record still carries its
 *   token and fence. It holds the lease locally until `validUntil` = the instant of its last
 *   successful write + TTL − a margin (measured before the write, so it errs early). A renewal
 *   that fails (store down) keeps the lease only until then.
 * - A holder that is paused (SIGSTOP, a long GC, a store outage) past `validUntil` finds
 *   `held` false before its next send, and stops: it sends nothing more, puts back what it had
 *   marked `sending`, and runs `onLost`.
 * - Standby processes try every `retryEveryMs` (2.5 s): they acquire once the record expired
 *   (so within about the TTL of the holder's death), or at once when the record names a holder
 *   on the same machine (same host name, PID namespace and boot) whose PID no longer runs:
 *   a `kill -9` and restart does not wait out the TTL.
 * - Acquiring means the previous holder is gone or its lease expired (it no longer sends), so
 *   `onAcquired` may recover what it left in `sending` (Outbox.recoverInFlight).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type { KeyValue } from '../store/keyv-store.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import { sleep } from './timing.js';

export const LEASE_TTL_MS = 15_000;
export const LEASE_RENEW_MS = 5_000;
export const LEASE_RETRY_MS = 2_500;

export interface LeaseRecord {
  token: string;
  /** Fencing number: raised at each acquisition of this lease. */
  fence: number;
  /** `host/pid-namespace/boot` of the holder (same value → its PID can be checked here). */
  machine: string;
  pid: number;
  host: string;
  acquiredAt: string;
  renewedAt: string;
}

export interface WorkerLeaseOptions {
  ttlMs?: number;
  renewEveryMs?: number;
  retryEveryMs?: number;
  logger: Logger;
  /** Monotonic milliseconds (tests fake it). */
  now?: () => number;
  /** This process's machine identity and PID (tests fake them). */
  machine?: string;
  pid?: number;
  /** Whether a PID runs on this machine (tests fake it). */
  pidAlive?: (pid: number) => boolean;
}

/** What the lease runs: started when it is acquired, stopped when it is lost or released. */
export interface LeasedWork {
  /** The lease was just acquired (the previous holder is gone): recover, then start working. */
  onAcquired(lease: WorkerLease): Promise<void>;
  /** The lease is lost or being released: stop working (sends in flight finish) before it resolves. */
  onLost(lease: WorkerLease): Promise<void>;
}

/** This machine's identity for lease records: host name, PID namespace and boot id. */
export function machineIdentity(): string {
  let pidns = '?';
  let boot = '?';
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {
    /* not Linux */
  }
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  return `${os.hostname()}/${pidns}/${boot}`;
}

function defaultPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class WorkerLease {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly retryEveryMs: number;
  private readonly now: () => number;
  private readonly machine: string;
  private readonly pid: number;
  private readonly pidAlive: (pid: number) => boolean;
  private token: string | undefined;
  private fenceValue = 0;
  private validUntil = 0;
  private loop: Promise<void> | undefined;
  private stopSignal = new AbortController();
  private working = false;

  constructor(
    private readonly kv: KeyValue,
    private readonly store: Pick<Store, 'withLock'>,
    readonly name: string,
    private readonly opts: WorkerLeaseOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
    this.renewEveryMs = opts.renewEveryMs ?? LEASE_RENEW_MS;
    this.retryEveryMs = opts.retryEveryMs ?? LEASE_RETRY_MS;
    if (!(this.renewEveryMs * 2 <= this.ttlMs)) throw new Error('worker lease: renew at least twice per TTL');
    this.now = opts.now ?? (() => performance.now());
    this.machine = opts.machine ?? machineIdentity();
    this.pid = opts.pid ?? process.pid;
    this.pidAlive = opts.pidAlive ?? defaultPidAlive;
  }

  /** True while this process holds the lease (checked before every send). */
  get held(): boolean {
    return this.token !== undefined && this.now() < this.validUntil;
  }

  /** The fencing number of the current (or last) holding. */
  get fence(): number {
    return this.fenceValue;
  }

  private get key(): string {
    return `lease:${this.name}`;
  }

  /** Try once to take the lease; true when this process holds it now. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return this.renew();
    const started = this.now();
    const token = randomBytes(12).toString('hex');
    const got = await this.store.withLock(this.key, 5_000, async () => {
      const current = await this.kv.get<LeaseRecord>(this.key);
      if (current) {
        const stale = current.machine === this.machine && current.pid !== this.pid && !this.pidAlive(current.pid);
        if (!stale) return undefined;
        this.opts.logger.warn({ lease: this.name, pid: current.pid, fence: current.fence }, `lease ${this.name}: its holder (pid ${current.pid}, this machine) is gone; taking over`);
      }
      const fence = ((await this.kv.get<number>(`${this.key}:fence`)) ?? 0) + 1;
      await this.kv.set(`${this.key}:fence`, fence);
      const at = new Date().toISOString();
      const record: LeaseRecord = { token, fence, machine: this.machine, pid: this.pid, host: os.hostname(), acquiredAt: at, renewedAt: at };
      await this.kv.set(this.key, record, this.ttlMs);
      return record;
    });
    if (!got) return false;
    this.token = token;
    this.fenceValue = got.fence;
    this.validUntil = started + this.ttlMs - this.margin();
    return true;
  }

  /** Extend the lease; false (and no longer held) when another process holds it now. */
  async renew(): Promise<boolean> {
    const token = this.token;
    if (!token) return false;
    const started = this.now();
    const ok = await this.store.withLock(this.key, 5_000, async () => {
      const current = await this.kv.get<LeaseRecord>(this.key);
      if (!current || current.token !== token || current.fence !== this.fenceValue) return false;
      await this.kv.set(this.key, { ...current, renewedAt: new Date().toISOString() }, this.ttlMs);
      return true;
    });
    if (ok && this.token === token) this.validUntil = started + this.ttlMs - this.margin();
    else if (!ok) this.token = undefined;
    return ok;
  }

  /** Give the lease up (a clean stop): a standby process takes over at its next try. */
  async release(): Promise<void> {
    const token = this.token;
    this.token = undefined;
    this.validUntil = 0;
    if (!token) return;
    await this.store.withLock(this.key, 5_000, async () => {
      const current = await this.kv.get<LeaseRecord>(this.key);
      if (current?.token === token) await this.kv.delete(this.key);
    });
  }

  /** The current record (who holds it), for logs and tests. */
  async holder(): Promise<LeaseRecord | undefined> {
    return this.kv.get<LeaseRecord>(this.key);
  }

  /**
   * Run `work` under the lease, in the background: acquire (or stand by), renew, and on loss
   * stop the work and stand by again. Resolves after the first attempt to acquire (with
   * whether it was acquired), so a caller can report start-up errors of `onAcquired`.
   */
  async run(work: LeasedWork): Promise<boolean> {
    if (this.loop) throw new Error(`lease ${this.name}: already running`);
    this.stopSignal = new AbortController();
    const signal = this.stopSignal.signal;
    let first: ((held: boolean) => void) | undefined;
    let firstError: ((err: unknown) => void) | undefined;
    const firstAttempt = new Promise<boolean>((resolve, reject) => {
      first = resolve;
      firstError = reject;
    });
    const log = this.opts.logger;
    this.loop = (async () => {
      let attempt = 0;
      while (!signal.aborted) {
        attempt++;
        if (!this.working) {
          let got = false;
          try {
            got = await this.tryAcquire();
          } catch (err) {
            log.warn({ err, lease: this.name }, `lease ${this.name}: could not reach the store to acquire; trying again`);
          }
          if (got && !signal.aborted) {
            log.info({ lease: this.name, fence: this.fenceValue, pid: this.pid }, `lease ${this.name}: acquired (fence ${this.fenceValue}); this process works the ${this.name} queue`);
            try {
              this.working = true;
              await work.onAcquired(this);
            } catch (err) {
              this.working = false;
              await this.release().catch(() => undefined);
              if (first) {
                firstError!(err);
                first = undefined;
                return;
              }
              log.error({ err, lease: this.name }, `lease ${this.name}: starting the work failed; released, trying again`);
            }
          } else if (attempt === 1) {
            const holder = await this.holder().catch(() => undefined);
            if (holder) log.info({ lease: this.name, holderPid: holder.pid, holderHost: holder.host, fence: holder.fence }, `lease ${this.name}: held by pid ${holder.pid} on ${holder.host}; standing by`);
          }
          first?.(this.working);
          first = undefined;
          await sleep(this.working ? this.renewEveryMs : this.retryEveryMs, signal);
          continue;
        }
        // Working: renew, or stop when the lease is gone.
        let ok = true;
        try {
          ok = await this.renew();
          if (!ok) log.error({ lease: this.name, fence: this.fenceValue }, `lease ${this.name}: lost to another process; stopping work`);
        } catch (err) {
          ok = this.held;
          log.warn({ err, lease: this.name, held: ok }, `lease ${this.name}: renewing failed${ok ? '; still held until it expires' : '; it expired: stopping work'}`);
        }
        if (!ok || !this.held) {
          await this.stopWork(work);
          await sleep(this.retryEveryMs, signal);
          continue;
        }
        // Renew sooner when the last renewal left little time.
        await sleep(Math.min(this.renewEveryMs, Math.max(100, this.validUntil - this.now() - this.renewEveryMs)), signal);
      }
    })();
    return firstAttempt;
  }

  private async stopWork(work: LeasedWork): Promise<void> {
    if (!this.working) return;
    this.token = undefined;
    this.validUntil = 0;
    try {
      await work.onLost(this);
    } catch (err) {
      this.opts.logger.error({ err, lease: this.name }, `lease ${this.name}: stopping the work failed`);
    } finally {
      this.working = false;
    }
  }

  /** Stop the loop: the work is stopped (sends in flight finish), then the lease is released. */
  async stop(work: LeasedWork): Promise<void> {
    this.stopSignal.abort();
    await this.loop?.catch(() => undefined);
    this.loop = undefined;
    if (this.working) {
      try {
        await work.onLost(this);
      } finally {
        this.working = false;
      }
    }
    await this.release().catch((err: unknown) => this.opts.logger.warn({ err, lease: this.name }, `lease ${this.name}: could not release (it expires by itself)`));
  }

  /** Safety margin for clock drift between processes and the time a write takes. */
  private margin(): number {
    return Math.min(1_000, this.ttlMs / 10);
  }
}
