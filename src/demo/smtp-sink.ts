/**
 * The demo's mail server: an in-process SMTP server on loopback that accepts every message
 * and saves it, as it arrived, to `<dir>/mail/<n>.eml` (open it in any mail program). No
 * authentication, no TLS: it only listens on 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  /** `smtp://127.0.0.1:PORT` for SMTP_URL. */
  url: string;
  /** Where the `.eml` files go. */
  mailDir: string;
  /** Files saved so far. */
  saved(): string[];
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** The demo directory; messages go to `<dir>/mail/`. */
  dir: string;
  /** Told of each saved message (the envelope recipients and the file). */
  onSaved?: (file: string, recipients: string[]) => void;
}

export async function startSmtpSink(opts: SmtpSinkOptions): Promise<SmtpSink> {
  const mailDir = path.join(opts.dir, 'mail');
  mkdirSync(mailDir, { recursive: true });
  const files: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'tidings demo mail sink',
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        try {
          const file = path.join(mailDir, `${files.length + 1}.eml`);
          writeFileSync(file, Buffer.concat(chunks));
          files.push(file);
          opts.onSaved?.(file, session.envelope.rcptTo.map((r) => r.address));
          callback();
        } catch (err) {
          callback(err as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mailDir,
    saved: () => [...files],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
