/**
 * The test SMTP server must outlive a client that vanishes mid-transaction (a worker killed
 * with -9 while sending): smtp-server reports that on the server object, and unheard it is an
 * uncaught exception that fails the whole run (it did, in test/distributed/poll-workers).
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.js';

let smtp: SmtpCatcher;
beforeAll(async () => {
  smtp = await startSmtpCatcher();
});
afterAll(async () => {
  await smtp.close();
});

/** Opens a raw SMTP session, starts a transaction, and resets the connection (RST, not FIN). */
async function resetInsideTransaction(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let seen = '';
  const waitFor = (code: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (seen.split('\r\n').some((l) => l.startsWith(`${code} `))) {
          socket.off('data', onData);
          seen = '';
          resolve();
        }
      };
      const onData = (d: string) => {
        seen += d;
        check();
      };
      socket.on('data', onData);
      socket.once('error', reject);
      check();
    });
  await waitFor('220');
  socket.write('EHLO tester\r\n');
  await waitFor('250');
  socket.write('MAIL FROM:<alerts@example.org>\r\n');
  await waitFor('250');
  socket.write('RCPT TO:<reader@example.org>\r\n');
  await waitFor('250');
  socket.resetAndDestroy();
}

it('keeps running and records the error when a sender resets the connection mid-transaction', async () => {
  await resetInsideTransaction(smtp.url);
  const until = Date.now() + 5_000;
  while (smtp.connectionErrors.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  expect(smtp.connectionErrors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ECONNRESET');
  // The server still takes mail afterwards.
  await smtp.sendMail({ from: 'alerts@example.org', to: 'reader@example.org', subject: 'after the reset', text: 'still here' });
  await smtp.waitFor(1);
  expect(smtp.mails[0]!.subject).toBe('after the reset');
});
