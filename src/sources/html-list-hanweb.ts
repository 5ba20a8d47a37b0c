/**
 * Hanweb JCMS (大汉) column pages ship their list inside a script block instead of the HTML:
 * `<script type="text/xml"><datastore><recordset><record><![CDATA[<li>…</li>]]></record>…`.
 * The page script renders those records in the browser; here each such block is replaced
 * in the document by an element holding the records as markup, in place, so that list
 * discovery and selectors see them like any other list. (Further pages come from a
 * `dataproxy.jsp` POST, which is not a page URL to follow; they are not reported.)
 */
import { type DomDocument, type DomElement } from './html-list-dom.js';

const RECORD = /<record\b[^>]*>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([\s\S]*?))\s*<\/record>/gi;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };

/** Markup of a record written without CDATA, entity-escaped (`&lt;li&gt;…`). */
function unescapeRecord(text: string): string {
  return /<[a-z]/i.test(text) ? text : text.replace(/&(lt|gt|quot|apos|amp);/g, (_m, name: string) => ENTITIES[name] ?? '');
}

/** The record markups of a datastore script, in order. */
export function datastoreRecords(script: string): string[] {
  if (!/<datastore\b|<recordset\b/i.test(script)) return [];
  const out: string[] = [];
  for (const m of script.matchAll(RECORD)) {
    const markup = m[1] ?? unescapeRecord(m[2] ?? '');
    if (markup.trim()) out.push(markup.trim());
  }
  return out;
}

/**
 * Puts the records of every datastore script into the document, right after the script, as
 * `<div data-datastore>` holding them (inside a `<ul>` when they are `<li>` items, a
 * `<table>` when they are rows). Returns how many records were added.
 */
export function expandDatastores(document: DomDocument): number {
  let added = 0;
  for (const script of Array.from(document.querySelectorAll('script'))) {
    const records = datastoreRecords(script.textContent ?? '');
    if (records.length === 0) continue;
    const holder: DomElement = document.createElement('div');
    holder.setAttribute('data-datastore', String(records.length));
    const markup = records.join('\n');
    const first = /^<\s*([a-z]+)/i.exec(markup)?.[1]?.toLowerCase();
    holder.innerHTML = first === 'li' ? `<ul>${markup}</ul>` : first === 'tr' ? `<table>${markup}</table>` : markup;
    script.after(holder);
    added += records.length;
  }
  return added;
}
