/**
 * The HTML allowed into what tidings republishes (feeds, emails, messages): an allow-list
 * applied with sanitize-html. Only plain content markup survives (paragraphs, emphasis,
 * lists, quotes, code, headings, tables, figures, links and images); scripts, styles,
 * frames, objects, forms, meta/link/base, event handlers, `style`/`class`/`id` attributes
 * and every URL scheme but http(s) (and mailto for links) are removed. Relative `href`/`src`
 * are resolved against the article's URL, lazy-loaded images get their real source, and
 * tracking pixels (tiny, hidden, or on a known tracker host/path: see TRACKING_PIXEL_RULES)
 * are dropped. `<h1>` becomes `<h2>` (the entry title is the page's heading). Links carry no
 * `rel`/`target`: `target` is stripped, so `noopener` would add nothing, and feed readers set
 * their own referrer policy. The result has no control characters and no `]]>`, and
 * sanitizing it again returns it unchanged, so callers may sanitize defensively at every
 * output boundary. `htmlToText` gives the plain-text fallback, one paragraph a line.
 */
import sanitizeHtml from 'sanitize-html';
import { cleanXmlText, stripControlChars } from './xml-text.js';

/** A tracker signature: an image matches when every pattern given matches (host: hostname, path: pathname). */
export interface TrackerRule {
  readonly host?: RegExp;
  readonly path?: RegExp;
  readonly note: string;
}

/**
 * Known tracking-pixel signatures. Host rules match the lower-case hostname, path rules the
 * pathname (case-insensitive). Kept deliberately narrow: a content photo that happens to live
 * under `/track/` must survive, so path rules look at the file name or at path segments that
 * never hold content.
 */
export const TRACKING_PIXEL_RULES: readonly TrackerRule[] = [
  { host: /(?:^|\.)(?:doubleclick\.net|google-analytics\.com|googletagmanager\.com|googlesyndication\.com)$/, note: 'Google ads/analytics beacons' },
  { host: /(?:^|\.)(?:scorecardresearch\.com|quantserve\.com|chartbeat\.net|omtrdc\.net|2o7\.net|demdex\.net)$/, note: 'audience measurement (comScore, Quantcast, Chartbeat, Adobe)' },
  { host: /^(?:pixel\.wp\.com|stats\.wordpress\.com|feeds\.feedburner\.com)$/, note: 'WordPress stats and FeedBurner flare/tracking images' },
  { host: /(?:^|\.)(?:hm\.baidu\.com|cnzz\.com|51\.la|growingio\.com|sensorsdata\.cn|pingjs\.qq\.com|ta\.qq\.com)$/, note: 'Chinese web analytics (Baidu Tongji, CNZZ/Umeng, 51.la, GrowingIO, Sensors, Tencent)' },
  { host: /(?:^|\.)facebook\.com$/, path: /^\/tr\/?$/i, note: 'Facebook pixel' },
  { host: /^(?:stat|stats|statistics|analytics|pixel|pixels|beacon|track|tracking|tracker|counter)\d*\./, note: 'hosts named for counting' },
  {
    path: /(?:^|\/)(?:pixel|pixels|beacon|track|tracker|tracking|spacer|blank|clear|transparent|1x1|counter|count|__utm|collect|open|impression)(?:\.(?:gif|png|jpe?g|webp|php|aspx?|jsp|cgi))?$/i,
    note: 'file names of counters, beacons, spacers and email-open pixels',
  },
  { path: /(?:^|\/)[a-z]\.gif$/i, note: 'one-letter GIF endpoints (p.gif, t.gif, b.gif)' },
  { path: /\/(?:pixel|beacon|wf\/open|b\/ss)\//i, note: 'pixel/beacon directories, SendGrid opens, Adobe collection' },
];

/** An image whose declared width or height is at most this many pixels is a pixel, not content. */
export const PIXEL_MAX_DIMENSION = 2;

/** Attributes that lazy-loading scripts read the real image URL from, in order of preference. */
const LAZY_SRC_ATTRIBUTES = ['data-src', 'data-original', 'data-lazy-src', 'data-actualsrc', 'data-url', 'original-src', '_src'];

const ALLOWED_TAGS = [
  'p', 'br', 'a', 'b', 'strong', 'i', 'em', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark',
  'abbr', 'cite', 'q', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'img', 'figure', 'figcaption',
  'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'span', 'div', 'ruby', 'rt', 'rp',
];

/** Elements dropped together with their content (code, styling, embedded documents, fallbacks, form controls). */
const DROP_WITH_CONTENT = [
  'script', 'style', 'textarea', 'option', 'select', 'xmp', 'noscript', 'template', 'iframe', 'frame',
  'frameset', 'noframes', 'noembed', 'object', 'applet', 'title', 'svg', 'math', 'button', 'plaintext',
];

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_SCHEMES = new Set(['http:', 'https:']);
const DIMENSION = /^\d{1,5}%?$/;

function parseBase(baseUrl: string): URL | undefined {
  try {
    const u = new URL(baseUrl);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** Absolute URL of `raw` if it resolves to one of `schemes` (http(s) with a host), else undefined. */
function resolveUrl(raw: string | undefined, base: URL | undefined, schemes: ReadonlySet<string>): URL | undefined {
  if (raw === undefined) return undefined;
  const value = stripControlChars(raw).trim();
  if (value === '') return undefined;
  let url: URL;
  try {
    url = base ? new URL(value, base) : new URL(value);
  } catch {
    return undefined;
  }
  if (!schemes.has(url.protocol)) return undefined;
  if (url.protocol !== 'mailto:' && url.hostname === '') return undefined;
  return url;
}

const STYLE_WIDTH = /(?:^|[;\s])width\s*:\s*([\d.]+)px/;
const STYLE_HEIGHT = /(?:^|[;\s])height\s*:\s*([\d.]+)px/;

function declaredPixels(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$/i.exec(value);
  return m ? Number(m[1]) : undefined;
}

/**
 * True when an image is a tracker: declared (attribute or inline style) width or height of
 * at most PIXEL_MAX_DIMENSION, hidden by inline style, or matching TRACKING_PIXEL_RULES.
 */
export function isTrackingImage(src: URL, attribs: Readonly<Record<string, string>>): boolean {
  const style = (attribs.style ?? '').toLowerCase();
  const styleSize = (pattern: RegExp) => {
    const m = pattern.exec(style);
    return m ? Number(m[1]) : undefined;
  };
  const sizes = [declaredPixels(attribs.width), declaredPixels(attribs.height), styleSize(STYLE_WIDTH), styleSize(STYLE_HEIGHT)];
  if (sizes.some((n) => n !== undefined && n <= PIXEL_MAX_DIMENSION)) return true;
  if (/(?:^|[;\s])(?:display\s*:\s*none|visibility\s*:\s*hidden)/.test(style)) return true;
  const host = src.hostname.toLowerCase();
  const path = src.pathname;
  return TRACKING_PIXEL_RULES.some(
    (rule) => (rule.host !== undefined || rule.path !== undefined) && (!rule.host || rule.host.test(host)) && (!rule.path || rule.path.test(path)),
  );
}

function keep(attribs: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = attribs[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Elements to remove are marked by the identity of their attribute object, which sanitize-html
 * keeps as the frame's `attribs` until `exclusiveFilter` sees it. (Renaming them to a
 * disallowed tag instead would trip sanitize-html, which then closes a later sibling under
 * the stale name.)
 */
type DropMarks = WeakSet<object>;

function dropped(marks: DropMarks, tagName: string): sanitizeHtml.Tag {
  const attribs = {};
  marks.add(attribs);
  return { tagName, attribs };
}

function transformLink(base: URL | undefined, marks: DropMarks): sanitizeHtml.Transformer {
  return (tag, attribs) => {
    const href = resolveUrl(attribs.href, base, LINK_SCHEMES);
    // A link without a usable target is unwrapped: its text stays.
    if (!href) return dropped(marks, tag);
    return { tagName: 'a', attribs: { ...keep(attribs, ['title']), href: href.href } };
  };
}

function transformImage(base: URL | undefined, marks: DropMarks): sanitizeHtml.Transformer {
  return (tag, attribs) => {
    let src = resolveUrl(attribs.src, base, IMAGE_SCHEMES);
    const isPlaceholder = !src || /(?:^|\/)(?:blank|grey|gray|loading|lazy|placeholder|spacer)[\w-]*\.(?:gif|png|svg)$/i.test(src.pathname);
    if (isPlaceholder) {
      for (const name of LAZY_SRC_ATTRIBUTES) {
        const lazy = resolveUrl(attribs[name], base, IMAGE_SCHEMES);
        if (lazy) {
          src = lazy;
          break;
        }
      }
    }
    if (!src || isTrackingImage(src, attribs)) return dropped(marks, tag);
    const out = keep(attribs, ['alt', 'title']);
    for (const dim of ['width', 'height'] as const) {
      const v = attribs[dim]?.trim();
      if (v !== undefined && DIMENSION.test(v)) out[dim] = v;
    }
    return { tagName: 'img', attribs: { src: src.href, ...out } };
  };
}

/** Elements nested deeper than this are unwrapped before parsing (their text is kept). */
const MAX_INPUT_DEPTH = 512;
/** No end tag: never on the stack. */
const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const P_CLOSERS = ['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'main', 'nav', 'ol', 'pre', 'section', 'table', 'ul'];
const FORM_TAGS = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
/** htmlparser2's rule: opening the key closes the open element on top while it is one of the set. */
const OPEN_IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['li', new Set(['li'])],
  ...P_CLOSERS.map((t): [string, ReadonlySet<string>] => [t, new Set(['p'])]),
  ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map((t): [string, ReadonlySet<string>] => [t, FORM_TAGS]),
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', new Set(['dd', 'dt'])],
  ['dt', new Set(['dd', 'dt'])],
  ['rt', new Set(['rt', 'rp'])],
  ['rp', new Set(['rt', 'rp'])],
  ['tbody', new Set(['thead', 'tbody'])],
  ['tfoot', new Set(['thead', 'tbody'])],
]);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>?/g;

/**
 * htmlparser2 keeps its element stack with `Array.unshift`, so parsing n nested elements
 * costs O(n²): 100,000 nested tags take seconds, a 10 MiB body hours. This linear pre-pass
 * replays the parser's stack rules on the tags and removes those that would nest deeper
 * than MAX_INPUT_DEPTH (and end tags that close nothing open), keeping all text. Documents
 * with fewer tags than the limit are returned untouched; the result is sanitized anyway,
 * so the replay only has to bound the depth, not to be exact.
 */
function flattenDeepNesting(html: string): string {
  let tags = 0;
  for (let i = html.indexOf('<'); i !== -1 && tags <= MAX_INPUT_DEPTH; i = html.indexOf('<', i + 1)) tags++;
  if (tags <= MAX_INPUT_DEPTH) return html;
  const stack: string[] = [];
  let out = '';
  let last = 0;
  const remove = (m: RegExpExecArray) => {
    out += html.slice(last, m.index);
    last = m.index + m[0].length;
  };
  for (const m of html.matchAll(TAG)) {
    const name = (m[2] ?? '').toLowerCase();
    if (m[1] === '/') {
      const at = stack.lastIndexOf(name);
      if (at === -1) remove(m);
      else stack.length = at;
      continue;
    }
    const closes = OPEN_IMPLIES_CLOSE.get(name);
    while (closes && stack.length > 0 && closes.has(stack[stack.length - 1] ?? '')) stack.pop();
    if (VOID_TAGS.has(name)) continue;
    if (stack.length >= MAX_INPUT_DEPTH) remove(m);
    else stack.push(name);
  }
  return last === 0 ? html : out + html.slice(last);
}

function optionsFor(baseUrl: string): sanitizeHtml.IOptions {
  const base = parseBase(baseUrl);
  const marks: DropMarks = new WeakSet();
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      abbr: ['title'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
      ol: ['start'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: DROP_WITH_CONTENT,
    nestingLimit: 200,
    parseStyleAttributes: false,
    transformTags: {
      a: transformLink(base, marks),
      img: transformImage(base, marks),
      h1: 'h2',
    },
    // A dropped link keeps its text ('excludeTag'); a dropped image goes entirely.
    exclusiveFilter: (frame) => (marks.has(frame.attribs) ? (frame.tag === 'a' ? 'excludeTag' : true) : false),
  };
}

/**
 * Sanitizes article HTML for republishing (see the file comment for what survives).
 * `baseUrl` (the article's URL) resolves relative links and images; when it is not an
 * absolute http(s) URL, relative ones are dropped. Idempotent.
 */
export function sanitizeArticleHtml(html: string, baseUrl: string): string {
  const clean = sanitizeHtml(flattenDeepNesting(stripControlChars(html)), optionsFor(baseUrl));
  // Entities such as &#1; decode to control characters; the output must not carry them.
  // Text and attribute values are escaped (`>` as `&gt;`), so `]]>` cannot occur.
  return stripControlChars(cleanXmlText(clean));
}

const BLOCK_TAGS = [
  'p', 'div', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'caption', 'figure', 'figcaption', 'section', 'article',
  'header', 'footer', 'aside', 'nav', 'main', 'address', 'form', 'fieldset', 'details', 'summary',
  'center', 'legend', 'body', 'html',
];

const TEXT_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'pre', 'br', 'td', 'th'],
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: [...DROP_WITH_CONTENT, 'head'],
  parseStyleAttributes: false,
  transformTags: {
    ...Object.fromEntries(BLOCK_TAGS.map((t) => [t, 'p'])),
    hr: 'br',
    listing: 'pre',
  },
};

/** Tokens of TEXT_OPTIONS' output: attribute-less `p`, `pre`, `td`, `th` tags and `<br />`. */
const TEXT_TOKEN = /<(\/?)(p|pre|td|th|br)(?: \/)?>/g;

function decodeBasicEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot);/g, (_m, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"' })[name] ?? '');
}

/**
 * Plain text of an HTML fragment: one paragraph (block element, `<br>`-separated line,
 * preformatted line) a line, whitespace inside a paragraph collapsed, scripts/styles and
 * other non-content dropped, entities decoded, no control characters, no empty lines.
 */
export function htmlToText(html: string): string {
  const markup = sanitizeHtml(flattenDeepNesting(stripControlChars(html)), TEXT_OPTIONS);
  const lines: string[] = [];
  let line = '';
  let preDepth = 0;
  const flush = () => {
    const text = line.replace(/\s+/gu, ' ').trim();
    if (text !== '') lines.push(text);
    line = '';
  };
  const addText = (raw: string) => {
    const text = decodeBasicEntities(raw);
    if (preDepth === 0) {
      line += text;
      return;
    }
    const parts = text.split(/\r\n?|\n/);
    parts.forEach((part, i) => {
      if (i > 0) flush();
      line += part;
    });
  };
  let last = 0;
  for (const m of markup.matchAll(TEXT_TOKEN)) {
    addText(markup.slice(last, m.index));
    last = m.index + m[0].length;
    const closing = m[1] === '/';
    switch (m[2]) {
      case 'td':
      case 'th':
        line += ' ';
        break;
      case 'pre':
        flush();
        preDepth = Math.max(0, preDepth + (closing ? -1 : 1));
        break;
      default:
        flush();
    }
  }
  addText(markup.slice(last));
  flush();
  return stripControlChars(lines.join('\n'));
}
