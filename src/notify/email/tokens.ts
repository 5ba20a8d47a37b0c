/**
 * Signed tokens for links in emails and pages: unsubscribe (one subscription, or every
 * subscription of an address), confirm a subscription (double opt-in), confirm an address
 * for a Telegram chat. A token is `<payload>.<mac>`, both base64url: the payload is JSON
 * `{ p: purpose, s: subject, e?: expiry (epoch seconds) }`, the MAC an HMAC-SHA256 of the
 * payload under a key derived from TIDINGS_SECRET for that purpose, cut to 128 bits. Tokens
 * cannot be forged or moved from one purpose to another; nothing needs to be stored to
 * check one. Verification is constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'unsubscribe' | 'unsubscribe-all' | 'confirm' | 'confirm-email';

interface Payload {
  p: TokenPurpose;
  s: string;
  e?: number;
}

function mac(secret: string, purpose: TokenPurpose, payload: string): Buffer {
  const key = createHmac('sha256', secret).update(`tidings-token:${purpose}`).digest();
  return createHmac('sha256', key).update(payload).digest().subarray(0, 16);
}

/** A token for `subject` (a subscription id, an address, a pending-request id). */
export function signToken(secret: string, purpose: TokenPurpose, subject: string, expiresAt?: Date): string {
  const body: Payload = { p: purpose, s: subject, ...(expiresAt ? { e: Math.floor(expiresAt.getTime() / 1000) } : {}) };
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, purpose, payload).toString('base64url')}`;
}

/** The subject of a valid, unexpired token of this purpose; undefined for anything else. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string | null | undefined, now = new Date()): string | undefined {
  if (typeof token !== 'string' || token.length > 2048) return undefined;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return undefined;
  const [, payload, given] = m as unknown as [string, string, string];
  // Compared as canonical text: base64url's last character has spare bits, so decoding
  // first would accept several spellings of one MAC.
  const expected = Buffer.from(mac(secret, purpose, payload).toString('base64url'));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
  let body: Payload;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Payload;
  } catch {
    return undefined;
  }
  if (body.p !== purpose || typeof body.s !== 'string') return undefined;
  if (body.e !== undefined && body.e * 1000 < now.getTime()) return undefined;
  return body.s;
}

/** The one-click unsubscribe URL of one subscription. */
export function unsubscribeUrl(publicUrl: string, secret: string, subscriptionId: string): string {
  return `${publicUrl}/unsubscribe?t=${signToken(secret, 'unsubscribe', subscriptionId)}`;
}

/** The URL that unsubscribes an address from everything. */
export function unsubscribeAllUrl(publicUrl: string, secret: string, address: string): string {
  return `${publicUrl}/unsubscribe?t=${signToken(secret, 'unsubscribe-all', address.toLowerCase())}`;
}
