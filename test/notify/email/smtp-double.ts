/**
 * A real SMTP server on loopback (smtp-server) for the email tests and the bench: records
 * every message it receives (envelope, raw bytes, parsed with mailparser) and can refuse a
 * recipient or a message with a given code, or drop the connection after reading the DATA.
 */
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/** What the server does with one recipient or message: accept, refuse with a code, or drop after DATA. */
export type Reply = { code: number; message: string } | 'drop' | undefined;

export interface SmtpDouble {
  url: string;
  port: number;
  received: Received[];
  /** Every RCPT TO the server saw, accepted or not. */
  rcpts: string[];
  /** Decide the reply to RCPT TO (default: accept). */
  onRcpt: (address: string) => Reply;
  /** Decide the reply after the message data (default: accept); `drop` closes the connection after reading it all. */
  onData: (to: string[], raw: string) => Reply;
  /** Wait until at least n messages were received (parsing is asynchronous). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface ServerInternals {
  connections: Set<{ session?: { id?: string }; _socket?: Socket }>;
}

function refusal(reply: { code: number; message: string }): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpDouble(opts: { parse?: boolean } = {}): Promise<SmtpDouble> {
  const parse = opts.parse ?? true;
  const pending: Promise<void>[] = [];
  const double: SmtpDouble = {
    url: '',
    port: 0,
    received: [],
    rcpts: [],
    onRcpt: () => undefined,
    onData: () => undefined,
    async waitFor(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (double.received.length < n) {
        await Promise.all(pending);
        if (double.received.length >= n) break;
        if (Date.now() > until) throw new Error(`smtp double: ${double.received.length} of ${n} messages after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      double.rcpts.push(address.address);
      const reply = double.onRcpt(address.address);
      if (reply && reply !== 'drop') return callback(refusal(reply));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const to = session.envelope.rcptTo.map((r) => r.address);
        const reply = double.onData(to, raw);
        if (reply && reply !== 'drop') return callback(refusal(reply));
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const record = async () => {
          const parsed = parse ? await simpleParser(raw) : ({} as ParsedMail);
          double.received.push({ from, to, raw, parsed });
        };
        pending.push(record());
        if (reply === 'drop') {
          // The whole message was read (the server has it), but the final reply never goes out.
          for (const c of (server as unknown as ServerInternals).connections) {
            if (c.session?.id === session.id) c._socket?.destroy();
          }
          return;
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  // A client gone mid-transaction is reported on the server; unheard it would be uncaught.
  server.on('error', () => undefined);
  double.port = (server.server.address() as AddressInfo).port;
  double.url = `smtp://127.0.0.1:${double.port}`;
  return double;
}

/** The header block of a raw message, folded lines joined (RFC 5322 unfolding). */
export function headerLines(raw: string): string[] {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end === -1 ? raw.length : end);
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}
