/**
 * Reading a tidings JSON log (LOG_FORMAT=json, one object a line): the `poll --once` summary
 * line (`polled N sources: … ok, F failed; M articles stored, …`) and the problems logged.
 */

export interface PollSummary {
  polled: number;
  failed: number;
  stored: number;
}

interface LogLine {
  level?: number;
  msg?: string;
  sources?: number;
  failed?: number;
  stored?: number;
}

const WARN = 40;

function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // not a log object; ignore
    }
  }
  return out;
}

export function readPollLog(text: string, maxProblems = 5): { summary?: PollSummary; problems: string[] } {
  let summary: PollSummary | undefined;
  const problems: string[] = [];
  for (const line of parseLines(text)) {
    if (line.msg?.startsWith('polled ') && typeof line.sources === 'number') {
      summary = { polled: line.sources, failed: line.failed ?? 0, stored: line.stored ?? 0 };
    } else if ((line.level ?? 0) >= WARN && problems.length < maxProblems) {
      problems.push(line.msg ?? JSON.stringify(line));
    }
  }
  return { summary, problems };
}
