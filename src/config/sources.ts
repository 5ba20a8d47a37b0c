/**
 * Source definitions from YAML (a file, or every *.yaml / *.yml in a folder), validated once
 * into typed `Source` values. Unknown keys are errors, so a typo never passes silently; every
 * problem names the file, line and field and says what was expected.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Source } from '../domain/source.js';
import { DISPLAY_SCRIPTS } from '../domain/subscription.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { parseInterval } from './interval.js';
import { describeIssue, formatPath, lineOf } from './yaml-lines.js';

const selector = z.string().trim().min(1);

const listSchema = z.strictObject({ item: selector.optional(), link: selector.optional(), date: selector.optional(), title: selector.optional() });
const articleSchema = z.strictObject({
  title: selector.optional(),
  body: selector.optional(),
  date: selector.optional(),
  origin: selector.optional(),
  author: selector.optional(),
});
const dotted = z.string().trim().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'expected a dotted path such as data.list');
const jsonSchema = z.strictObject({
  items: dotted,
  title: dotted,
  link: dotted,
  published: dotted.optional(),
  origin: dotted.optional(),
  summary: dotted.optional(),
  author: dotted.optional(),
});

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'expected an http:// or https:// URL');

const sourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected an id of lower-case letters, digits and dashes ([a-z0-9-], at most 64)'),
  name: z.string().trim().min(1).optional(),
  url: httpUrl,
  kind: z.enum(['feed', 'html', 'json']).optional(),
  interval: z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const parsed = parseInterval(String(v));
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  fulltext: z.enum(['auto', 'always', 'never']).optional(),
  tags: z.array(z.string().trim().min(1).max(64).regex(/^[^/\\\s\p{Cc}.][^/\\\p{Cc}]*$/u, 'expected a tag without slashes or control characters, not starting with a dot')).optional(),
  list: listSchema.optional(),
  article: articleSchema.optional(),
  json: jsonSchema.optional(),
  encoding: z.string().trim().min(1).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name'), z.string()).optional(),
  tls: z.strictObject({ ca: z.string().trim().min(1).optional(), insecure: z.boolean().optional() }).optional(),
  maxPages: z.number().int().min(1).max(50).optional(),
  script: z.enum(DISPLAY_SCRIPTS).optional(),
  paused: z.boolean().optional(),
});

const fileSchema = z.strictObject({ sources: z.array(sourceSchema).default([]) });

/** Parse one YAML text into sources; `file` is used in errors and in each source's `origin`. */
export function parseSourcesYaml(text: string, file: string, baseDir = path.dirname(file)): Source[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const err of doc.errors) {
    const pos = lineCounter.linePos(err.pos[0]);
    problems.push({ file, line: pos.line, column: pos.col, message: `YAML syntax: ${err.message.split('\n')[0]}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const data: unknown = doc.toJS() ?? {};
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const keyPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const target = unknownKeys.length > 0 ? [...keyPath, unknownKeys[0]!] : keyPath;
      const line = lineOf(doc, lineCounter, target, unknownKeys.length > 0);
      const field = formatPath([...keyPath, ...(unknownKeys.length === 1 ? [unknownKeys[0]!] : [])]);
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown key${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowedKeys(keyPath).join(', ')})`
          : describeIssue(issue, data, keyPath);
      problems.push({ file, line, field, message });
    }
    throw new ConfigError(problems);
  }

  const sources: Source[] = [];
  const seen = new Map<string, number>();
  parsed.data.sources.forEach((s, i) => {
    const line = lineOf(doc, lineCounter, ['sources', i], false) ?? 1;
    const first = seen.get(s.id);
    if (first !== undefined) {
      problems.push({ file, line, field: `sources[${i}].id`, message: `duplicate source id ${JSON.stringify(s.id)} (first defined at line ${first})` });
      return;
    }
    seen.set(s.id, line);
    if (s.kind === 'json' && !s.json) {
      problems.push({ file, line, field: `sources[${i}].json`, message: 'kind json needs json: { items, title, link } paths' });
      return;
    }
    sources.push({
      id: s.id,
      name: s.name ?? s.id,
      url: s.url,
      kind: s.kind ?? (s.json ? 'json' : undefined),
      interval: s.interval ?? { kind: 'every', ms: 15 * 60_000 },
      fulltext: s.fulltext ?? 'auto',
      tags: s.tags ?? [],
      list: s.list,
      article: s.article,
      json: s.json,
      encoding: s.encoding,
      headers: s.headers,
      tls: s.tls ? { ...s.tls, ca: s.tls.ca ? path.resolve(baseDir, s.tls.ca) : undefined } : undefined,
      maxPages: s.maxPages,
      script: s.script,
      paused: s.paused,
      origin: `${file}:${line}`,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return sources;
}

/**
 * Load `location`: a YAML file, or a folder whose *.yaml / *.yml files are read in name order.
 * Ids must be unique across all files.
 */
export function loadSources(location: string): Source[] {
  let files: string[];
  let stat;
  try {
    stat = statSync(location);
  } catch {
    throw new ConfigError([{ file: location, message: 'no such file or folder (TIDINGS_SOURCES)' }]);
  }
  if (stat.isDirectory()) {
    files = readdirSync(location)
      .filter((f) => /\.ya?ml$/i.test(f))
      .sort()
      .map((f) => path.join(location, f));
  } else {
    files = [location];
  }
  const all: Source[] = [];
  const where = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push({ file, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    try {
      for (const s of parseSourcesYaml(text, file)) {
        const other = where.get(s.id);
        if (other) {
          const [f, l] = splitOrigin(s.origin);
          problems.push({ file: f, line: l, field: 'id', message: `duplicate source id ${JSON.stringify(s.id)} (also defined at ${other})` });
          continue;
        }
        where.set(s.id, s.origin);
        all.push(s);
      }
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return all;
}

function splitOrigin(origin: string): [string, number | undefined] {
  const m = /^(.*):(\d+)$/.exec(origin);
  return m ? [m[1]!, Number(m[2])] : [origin, undefined];
}

function allowedKeys(keyPath: (string | number)[]): string[] {
  const last = keyPath[keyPath.length - 1];
  if (keyPath.length === 0) return Object.keys(fileSchema.shape);
  if (typeof last === 'number') return Object.keys(sourceSchema.shape);
  const nested: Record<string, z.ZodObject> = { list: listSchema, article: articleSchema, json: jsonSchema };
  const schema = nested[String(last)];
  if (schema) return Object.keys(schema.shape);
  if (last === 'tls') return ['ca', 'insecure'];
  return [];
}

