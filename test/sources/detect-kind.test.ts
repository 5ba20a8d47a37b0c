import { describe, expect, it } from 'vitest';
import { detectDocumentKind } from '../../src/sources/detect-kind.js';

describe('detectDocumentKind', () => {
  it.each([
    ['<?xml version="1.0"?><rss version="2.0"><channel/></rss>', undefined, 'feed'],
    ['\uFEFF  \n<rss version="2.0"/>', 'text/html', 'feed'],
    ['<!-- c --><?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>', undefined, 'feed'],
    ['<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', undefined, 'feed'],
    ['<?xml version="1.0"?><?xml-stylesheet href="s.xsl"?><!DOCTYPE rss><rss/>', 'text/xml', 'feed'],
    ['<br />\n<b>Warning</b>: x in <b>/a.php</b><br />\n<?xml version="1.0"?><rss/>', 'text/html', 'feed'],
    ['<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"/>', undefined, 'feed'],
    ['{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": []}', 'application/json', 'json-feed'],
    ['  {"title":"x","version":"https://jsonfeed.org/version/1"}', undefined, 'json-feed'],
    ['{"data": {"list": []}}', 'application/json', 'json'],
    ['[{"title": "x"}]', undefined, 'json'],
    ['{"version": "1.0"}', 'application/feed+json', 'json'],
    ['<!DOCTYPE html><html><head><title>x</title></head></html>', 'text/html', 'html'],
    ['<!doctype HTML>\n<html lang="zh">', undefined, 'html'],
    ['<html><body>hi</body></html>', undefined, 'html'],
    ['<HTML><BODY>', undefined, 'html'],
    ['<div>fragment</div>', 'text/html; charset=utf-8', 'html'],
    ['Access denied', 'text/html', 'html'],
    ['<div>fragment</div>', undefined, 'unknown'],
    ['<?xml version="1.0"?><opml version="2.0"/>', 'text/xml', 'unknown'],
    ['Access denied', 'text/plain', 'unknown'],
    ['', 'application/rss+xml', 'unknown'],
    ['   \n', undefined, 'unknown'],
  ])('%j (%s) → %s', (text, contentType, kind) => {
    expect(detectDocumentKind(text, contentType)).toBe(kind);
  });
});
