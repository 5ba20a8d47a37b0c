/**
 * Anti-bot pages: what a WAF or bot manager serves instead of the article — a JavaScript
 * challenge that sets a cookie and reloads (Jiasule's `__jsl_clearance`, Alibaba Cloud's
 * `acw_sc__v2`, Ruishu's `$_ts` loader, Yunsuo, Cloudflare), or a verification page
 * (`安全验证`, `访问验证`). Such a page usually comes as HTTP 412, 403, 521 or 503, sometimes
 * as 200; it has (almost) no visible text and only scripts.
 *
 * `detectAntiBot` returns a reason (`blocked by anti-bot protection (…)`) or undefined. A
 * signature counts only on a page without article-sized visible text, so a real page that
 * merely mentions one (or loads an analytics cookie script) is not flagged.
 */

export interface AntiBotSignature {
  /** Who serves it, for the reason text. */
  name: string;
  /** What gives it away in the HTML. */
  pattern: RegExp;
}

/** Known challenge loaders: each is a JavaScript challenge whatever the status. */
export const CHALLENGE_SIGNATURES: readonly AntiBotSignature[] = [
  { name: 'Jiasule __jsl_clearance', pattern: /__jsl_clearance|__jsluid/ },
  { name: 'Alibaba Cloud acw_sc__v2', pattern: /acw_sc__v2|var\s+arg1\s*=\s*['"][0-9A-F]{30,}['"]/ },
  { name: 'Ruishu $_ts loader', pattern: /\$_ts\s*=\s*window\s*\[\s*['"]\$_ts['"]\s*\]|\$_ts\.(?:nsd|cd|lcd)\s*=|<script[^>]*\br\s*=\s*['"]m['"]/ },
  { name: 'Yunsuo', pattern: /yunsuo_session_verify|security_verify_(?:data|img|push)/ },
  { name: 'Cloudflare', pattern: /cf-browser-verification|_cf_chl_opt|cf_chl_jschl|challenge-platform\/h\// },
  { name: 'Safedog', pattern: /safedog|服务器安全狗|网站防火墙/ },
];

/** Titles of verification and block pages. */
export const CHALLENGE_TITLES: readonly RegExp[] = [
  /安全验证|访问验证|安全检查|人机验证|滑动验证|验证码|请稍候|訪問驗證|安全驗證/,
  /访问受限|访问被拒绝|访问被拦截|请求被拦截|拦截|禁止访问|您的访问请求/,
  /Just a moment|Attention Required|Access denied|Checking your browser|DDoS protection|Security check/i,
];

/** Statuses bot managers answer challenges with. */
export const CHALLENGE_STATUSES: ReadonlySet<number> = new Set([202, 403, 412, 429, 503, 521, 523]);

/** A page with more visible characters than this has content, whatever it carries. */
const MAX_CHALLENGE_TEXT = 200;
/** … and a 200 page this short with only scripts is a challenge when a script acts like one. */
const MAX_SCRIPT_ONLY_TEXT = 40;

const SCRIPT_RE = /<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi;
const COOKIE_AND_RELOAD = /document\.cookie\s*=[\s\S]{0,2000}?(?:location\.(?:reload|replace|href|assign)|window\.location\s*=|location\s*=)|(?:location\.(?:reload|replace)|window\.location\s*=)[\s\S]{0,2000}?document\.cookie\s*=/;
const OBFUSCATED = /eval\s*\(|_0x[0-9a-f]{4,}|(?:\\x[0-9a-f]{2}){8,}|\$_[A-Za-z]{1,3}\s*[=(.[]/i;

/** Visible characters of the page: tags, scripts, styles and comments removed. */
export function visibleTextLength(html: string): number {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<head\b[^>]*>[\s\S]*?<\/head\s*>/i, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;|&#160;|\s/g, '').length;
}

function titleOf(html: string): string {
  return /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)?.[1]?.trim() ?? '';
}

const reason = (what: string): string => `blocked by anti-bot protection (${what})`;

export function detectAntiBot(status: number, html: string): string | undefined {
  const visible = visibleTextLength(html);
  if (visible > MAX_CHALLENGE_TEXT) return undefined;
  const challengeStatus = CHALLENGE_STATUSES.has(status);
  if (status !== 200 && !challengeStatus) return undefined;

  const signature = CHALLENGE_SIGNATURES.find((s) => s.pattern.test(html));
  if (signature) return reason(`JavaScript challenge: ${signature.name}`);

  const title = titleOf(html);
  if (title && CHALLENGE_TITLES.some((re) => re.test(title))) return reason(`verification page: ${title.slice(0, 40)}`);

  const scripts = [...html.matchAll(SCRIPT_RE)].map((m) => m[1] ?? '');
  const inline = scripts.filter((s) => s.trim() !== '');
  if (inline.some((s) => COOKIE_AND_RELOAD.test(s))) return reason('JavaScript challenge');
  if (visible <= MAX_SCRIPT_ONLY_TEXT && inline.some((s) => OBFUSCATED.test(s))) return reason('JavaScript challenge: obfuscated loader');
  if (challengeStatus && visible <= MAX_SCRIPT_ONLY_TEXT && scripts.length > 0) return reason(`JavaScript-only HTTP ${status} page`);
  return undefined;
}
