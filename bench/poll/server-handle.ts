/**
 * The runner's side of the feed server: start it as a child process (under tsx), then ask it
 * for counts and to publish new items.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nextMessage, stopChild } from './child-messages.js';
import type { FeedServerConfig, FromServer, ServerStats } from './server-protocol.js';

export interface FeedServer {
  port: number;
  /** Time the server took to build every feed body before the first run. */
  prepareMs: number;
  bodyBytes: number;
  stats(reset: boolean): Promise<ServerStats>;
  advance(share: number): Promise<number>;
  close(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./feed-server.ts', import.meta.url));

export async function startFeedServer(config: FeedServerConfig): Promise<FeedServer> {
  const child = fork(SERVER_SCRIPT, [JSON.stringify(config)], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const what = 'feed server';
  let ready;
  try {
    ready = await nextMessage<FromServer, 'ready'>(child, 'ready', what);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    port: ready.port,
    prepareMs: ready.prepareMs,
    bodyBytes: ready.bodyBytes,
    async stats(reset) {
      const reply = nextMessage<FromServer, 'stats'>(child, 'stats', what);
      child.send({ type: 'stats', reset });
      return (await reply).stats;
    },
    async advance(share) {
      const reply = nextMessage<FromServer, 'advanced'>(child, 'advanced', what);
      child.send({ type: 'advance', share });
      return (await reply).changed;
    },
    close: () => stopChild(child),
  };
}
