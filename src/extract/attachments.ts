/**
 * Attachments of an article (calls for proposals and notices carry them): links in the body,
 * or in the few elements right after it, whose target is a document or archive file, or that
 * follow an `附件：` label. Returned with absolute URLs, once each, titled by the link text
 * (else its `title`, else the file name).
 */
import { type El, INLINE_TAGS, absoluteUrl, blockText } from './dom.js';
import { type PageIndex, statsOf } from './page-index.js';

/** File types that are attachments, by extension (WPS and OFD are Chinese office formats). */
export const ATTACHMENT_EXTENSIONS: readonly string[] = ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'zip', 'rar', '7z', 'wps', 'et', 'dps', 'ofd'];

const EXTENSION_RE = new RegExp(`\\.(?:${ATTACHMENT_EXTENSIONS.join('|')})$`, 'i');
const LABEL_RE = /^\s*(?:相关)?附件\s*\d*\s*[:：]?/;
/** How many elements after the body still count as "near it". */
const NEAR_AFTER_BODY = 40;

export interface Attachment {
  title: string;
  url: string;
}

/** True when the URL's path ends in an attachment extension. */
export function isAttachmentUrl(url: string): boolean {
  try {
    return EXTENSION_RE.test(decodeURIComponent(new URL(url).pathname));
  } catch {
    return false;
  }
}

function nearestBlock(el: El): El {
  let b: El | null = el.parentElement;
  while (b && INLINE_TAGS.has(b.tagName)) b = b.parentElement;
  return b ?? el;
}

/** True when the link sits after an `附件：` label: in its own block or the block before it. */
function afterLabel(a: El): boolean {
  const block = nearestBlock(a);
  if (LABEL_RE.test(blockText(block))) return true;
  const prev = block.previousElementSibling;
  if (prev && LABEL_RE.test(blockText(prev)) && blockText(prev).length <= 40) return true;
  const parentPrev = block.parentElement?.previousElementSibling;
  return parentPrev !== null && parentPrev !== undefined && /^\s*(?:相关)?附件\s*[:：]?\s*$/.test(blockText(parentPrev));
}

function fileName(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').pop() ?? '';
    return decodeURIComponent(last) || url;
  } catch {
    return url;
  }
}

/** Attachment links of the body `container` and the elements right after it. */
export function findAttachments(index: PageIndex, container: El | undefined, baseUrl: string): Attachment[] {
  const links: El[] = [];
  if (container) {
    links.push(...container.querySelectorAll('a[href]'));
    const s = statsOf(index, container);
    if (s.index >= 0) {
      const end = Math.min(index.elements.length - 1, s.last + NEAR_AFTER_BODY);
      for (let i = s.last + 1; i <= end; i++) {
        const el = index.elements[i];
        if (el?.tagName === 'A' && el.hasAttribute('href')) links.push(el);
      }
    }
  }
  const out: Attachment[] = [];
  const seen = new Set<string>();
  for (const a of links) {
    const url = absoluteUrl(a.getAttribute('href'), baseUrl);
    if (!url || seen.has(url)) continue;
    if (!isAttachmentUrl(url) && !afterLabel(a)) continue;
    seen.add(url);
    const text = blockText(a).replace(/\s+/g, ' ').trim();
    out.push({ title: text || a.getAttribute('title')?.trim() || fileName(url), url });
  }
  return out;
}
