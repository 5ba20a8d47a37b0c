/**
 * This process's memory from /proc/self (Linux): VmHWM is the peak resident set size, and
 * writing 5 to /proc/self/clear_refs resets it to the current RSS (Linux ≥ 4.0), so a
 * long-running process can measure the peak of one phase.
 */
import { readFileSync, writeFileSync } from 'node:fs';

function statusField(name: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`/proc/self/status has no ${name}`);
  return Number(match[1]);
}

/** Peak RSS so far, KiB. */
export function peakRssKb(): number {
  return statusField('VmHWM');
}

export function currentRssKb(): number {
  return statusField('VmRSS');
}

/** Reset the peak to the current RSS; false when the kernel refuses. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
