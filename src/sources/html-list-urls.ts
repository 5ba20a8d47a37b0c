/**
 * What a list link's URL says about it: whether it can be followed at all (`javascript:`,
 * `#`, `mailto:` cannot, though `javascript:window.open('…')` names a page), whether it
 * stays on the page's site (same registrable domain: `kjt.example.gov.cn` and
 * `www.example.gov.cn` are one site), and how much it looks like an article rather than a
 * column or a menu entry (TRS `t20221118_1190211.html`, Hanweb `/art/2024/10/14/…`,
 * dated folders like `/2021/0514/1001.html`, numeric ids).
 */
import { canonicalUrl } from '../dedupe/canonical-url.js';

const NOT_A_LINK = /^(?:javascript:|#|mailto:|tel:|sms:|data:|about:|vbscript:)/i;
const SCRIPTED_TARGET = /(?:window\.open|location(?:\.href)?\s*=|openUrl|openWin\w*)\s*\(?\s*['"]([^'"]+)['"]/i;

/**
 * The canonical absolute URL an `href` leads to, resolved against `base`; undefined for
 * links that lead nowhere. A `javascript:` link (or an `onclick`) that opens a literal URL
 * leads to that URL.
 */
export function resolveHref(href: string | null, onclick: string | null, base: string): string | undefined {
  const raw = (href ?? '').trim();
  let target: string | undefined;
  if (raw && !NOT_A_LINK.test(raw)) target = raw;
  else target = SCRIPTED_TARGET.exec(raw)?.[1] ?? SCRIPTED_TARGET.exec(onclick ?? '')?.[1];
  if (!target) return undefined;
  return canonicalUrl(target, base);
}

/** Second-level labels under which names are registered (`gov.cn`, `com.hk`, `bj.cn`). */
const PUBLIC_SECOND_LEVEL = new Set([
  'com', 'net', 'org', 'gov', 'edu', 'ac', 'co', 'mil', 'int', 'info', 'biz', 'ltd', 'idv', 'ne', 'or', 'go', 'ed',
]);
const CHINA_PROVINCES = new Set([
  'bj', 'sh', 'tj', 'cq', 'he', 'sx', 'nm', 'ln', 'jl', 'hl', 'js', 'zj', 'ah', 'fj', 'jx', 'sd', 'ha', 'hb', 'hn',
  'gd', 'gx', 'hi', 'sc', 'gz', 'yn', 'xz', 'sn', 'gs', 'qh', 'nx', 'xj', 'tw', 'hk', 'mo',
]);

function isAddressOrSingleLabel(host: string): boolean {
  return /^\d+(?:\.\d+){3}$/.test(host) || host.startsWith('[') || !host.includes('.');
}

/**
 * The registrable part of a host name (`kjt.xinjiang.gov.cn` → `xinjiang.gov.cn`,
 * `www.example.com` → `example.com`); IP addresses and single labels are returned whole.
 */
export function registrableDomain(hostname: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (isAddressOrSingleLabel(host)) return host;
  const labels = host.split('.');
  const tld = labels.at(-1) ?? '';
  const second = labels.at(-2) ?? '';
  const publicSecond = tld.length === 2 && (PUBLIC_SECOND_LEVEL.has(second) || (tld === 'cn' && CHINA_PROVINCES.has(second)));
  return labels.slice(publicSecond ? -3 : -2).join('.');
}

/**
 * The site of an absolute URL: its registrable domain, or host and port for an IP address
 * or a single-label host (two ports of `127.0.0.1` are two sites).
 */
export function siteOf(url: string): string {
  const { hostname, host } = new URL(url);
  return isAddressOrSingleLabel(hostname.toLowerCase()) ? host : registrableDomain(hostname);
}

const DOCUMENT_LEAF = /\.(?:s?html?|jhtml|shtm|jsp|aspx?|php|do|action|cgi)$/i;
const COLUMN_LEAF = /^(?:index|default|list|main|home)(?:_\d+)?\.\w+$/i;
const ID_PARAM = /(?:^|[?&])(?:\w*id|p|aid|nid|no|newsid|articleid|docid|contentid|infoid)=\d{2,}/i;

/** Folder names made of a date: `2021`, `202211`, `20221118`, `2024-10-13`, `0514` after a year. */
function isDateSegment(segment: string, previous: string | undefined): boolean {
  if (/^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-3]\d)?$/.test(segment)) return true;
  if (/^(?:19|20)\d{2}-\d{1,2}(?:-\d{1,2})?$/.test(segment)) return true;
  if (/^(?:19|20)\d{2}$/.test(segment)) return true;
  return previous !== undefined && /^(?:19|20)\d{2}$/.test(previous) && /^\d{2}(?:\d{2})?$/.test(segment);
}

/**
 * How much `url` looks like an article page, from 0 (the site root, a column index) to 1
 * (a TRS / Hanweb article, a file under dated folders).
 */
export function articleLikeness(url: string): number {
  const { pathname, search } = new URL(url);
  const segments = pathname.split('/').filter(Boolean);
  const leaf = pathname.endsWith('/') ? '' : (segments.at(-1) ?? '');
  const folders = leaf ? segments.slice(0, -1) : segments;
  if (/^t(?:19|20)\d{6}_\d+\.\w+$/i.test(leaf)) return 1;
  if (/^art_\d+_\d+\.\w+$/i.test(leaf) || /\/art\/(?:19|20)\d{2}\//i.test(pathname)) return 1;
  const dated = folders.some((segment, i) => isDateSegment(segment, folders[i - 1]));
  if (leaf && !COLUMN_LEAF.test(leaf) && dated) return 1;
  if (!leaf || COLUMN_LEAF.test(leaf)) return ID_PARAM.test(search) ? 0.7 : 0;
  if (/\d{3,}/.test(leaf) || ID_PARAM.test(search)) return segments.length >= 2 || search ? 0.8 : 0.6;
  if (DOCUMENT_LEAF.test(leaf)) return segments.length >= 2 ? 0.4 : 0.2;
  return segments.length >= 2 ? 0.3 : 0.1;
}
