/**
 * A configuration problem the admin must fix: names the file, line and field, and what was
 * expected. The CLI prints `message` and exits 2.
 */
export interface ConfigProblem {
  file: string;
  /** 1-based; undefined when the problem is not tied to a line (e.g. an environment variable). */
  line?: number;
  column?: number;
  /** Dotted path of the field, e.g. `sources[2].interval`. */
  field?: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : p.file;
  return `${where}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
}
