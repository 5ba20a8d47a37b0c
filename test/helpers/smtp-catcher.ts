/**
 * A real SMTP server on loopback (smtp-server) that keeps every message it receives, parsed
 * with mailparser, with the SMTP envelope: tests send through the product's own pooled
 * nodemailer transport (createMailTransport) and read what a mailbox would get.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SendMailOptions } from 'nodemailer';
import { createMailTransport } from '../../src/notify/email/transport.js';

export interface CaughtMail {
  /** SMTP envelope recipients (RCPT TO): who really gets it, whatever the headers say. */
  rcptTo: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
}

export interface SmtpCatcher {
  /** `smtp://127.0.0.1:PORT`, for SMTP_URL / createMailTransport. */
  url: string;
  mails: CaughtMail[];
  /**
   * Connection errors the server reported (a client that vanished mid-transaction, e.g. a
   * sender killed with -9). smtp-server emits them on the server; kept here, not thrown.
   */
  connectionErrors: Error[];
  /** Resolves once at least `n` messages have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  /** sendMail through the product's transport to this server. */
  sendMail(msg: SendMailOptions): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const connectionErrors: Error[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (m) => {
          mails.push({
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            from: m.from?.text ?? '',
            to: Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? ''),
            subject: m.subject ?? '',
            text: m.text ?? '',
            html: typeof m.html === 'string' ? m.html : '',
            headers: m.headers,
          });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  // Without a listener, a client reset inside a transaction would be an uncaught exception.
  server.on('error', (err: Error) => connectionErrors.push(err));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  const url = `smtp://127.0.0.1:${port}`;
  const transport = createMailTransport(url, { maxConnections: 2 });
  return {
    url,
    mails,
    connectionErrors,
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} emails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async sendMail(msg) {
      await transport.sendMail(msg);
    },
    async close() {
      transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
