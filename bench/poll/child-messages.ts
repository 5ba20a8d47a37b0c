/**
 * Waiting for one typed IPC message from a child process: resolves with the first message of
 * the wanted type, rejects when the child reports failure or exits first.
 */
import type { ChildProcess } from 'node:child_process';

interface Typed {
  type: string;
}

export function nextMessage<M extends Typed, T extends M['type']>(child: ChildProcess, type: T, what: string): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: M): void => {
      if (message.type === type) {
        cleanup();
        resolve(message as Extract<M, { type: T }>);
      } else if (message.type === 'failed') {
        cleanup();
        reject(new Error(`${what}: ${(message as unknown as { message: string }).message}`));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before sending "${type}"`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Stop a child we started and wait for it to go. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGTERM'), 2_000);
  await exited;
  clearTimeout(timer);
}
