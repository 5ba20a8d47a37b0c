/**
 * The one SMTP transport of a process: nodemailer with pooled connections (`SMTP_URL`,
 * `smtp://` with STARTTLS when the server offers it, `smtps://` for implicit TLS), and
 * nodemailer's file and URL access turned off, so no message content can make it read a
 * local file or fetch a URL (attachments and embedded images by path or href).
 */
import nodemailer, { type Transporter } from 'nodemailer';

export interface MailTransportOptions {
  /** Connections kept open at once (default 5). */
  maxConnections?: number;
  /** Messages per connection before it is recycled (default 100). */
  maxMessages?: number;
}

export function createMailTransport(smtpUrl: string, opts: MailTransportOptions = {}): Transporter {
  const url = new URL(smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP_URL: expected smtp:// or smtps://, got ${url.protocol}//`);
  return nodemailer.createTransport({
    pool: true,
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    maxConnections: opts.maxConnections ?? 5,
    maxMessages: opts.maxMessages ?? 100,
    disableFileAccess: true,
    disableUrlAccess: true,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    // A loopback server in tests and demos has no certificate; STARTTLS is still used when offered.
    tls: url.hostname === '127.0.0.1' || url.hostname === 'localhost' ? { rejectUnauthorized: false } : undefined,
  });
}
