/**
 * How busy the whole machine was during a cycle, from /proc/stat (Linux), so that what other
 * processes ran at the same time can be told apart from what tidings and the feed server used.
 * A benchmark on a shared machine is only as good as this number is small.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/stat counts in clock ticks, 100 a second on every common Linux build. */
const TICKS_PER_SECOND = 100;

/** CPU time all processes have used since boot, in ms (user, nice, system, irq, softirq; not idle, iowait or steal). */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
  return ((user! + nice! + system! + irq! + softirq!) * 1000) / TICKS_PER_SECOND;
}
