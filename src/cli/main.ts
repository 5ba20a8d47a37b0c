#!/usr/bin/env node
/**
 * The `tidings` command. Reads `.env`, validates settings, dispatches to a subcommand.
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import { VERSION } from '../config/settings.js';
import { UsageError } from './usage-error.js';

// Each subcommand's module is loaded when it runs: `poll` does not pay for the HTTP server,
// the bot or BullMQ, and `--version` for none of them.
const runStart = async (args: string[]) => (await import('./start.js')).runStart(args);
const runWorker = async (args: string[]) => (await import('./worker.js')).runWorker(args);
const runDemo = async (args: string[]) => (await import('./demo.js')).runDemo(args);
const runPoll = async (args: string[]) => (await import('./poll.js')).runPoll(args);
const runSources = async (args: string[]) => (await import('./sources.js')).runSources(args);
const runSubs = async (args: string[]) => (await import('./subs.js')).runSubs(args);
const runPublish = async (args: string[]) => (await import('./publish.js')).runPublish(args);
const runExtract = async (args: string[]) => (await import('./extract.js')).runExtract(args);
const runMatch = async (args: string[]) => (await import('./match.js')).runMatch(args);

const HELP = `tidings ${VERSION}: watches news sources, republishes merged feeds, alerts subscribers

Usage:
  tidings start [--no-worker]           scheduler, pollers and HTTP server in one process; with
                                        REDIS_URL, the BullMQ scheduler (and a poll worker unless --no-worker)
  tidings worker                        REDIS_URL only: take poll jobs and send deliveries, no HTTP, no bot
  tidings demo [--dir DIR] [--port N] [--every 5s] [--duration 60s]
                                        the whole path offline: a local news site, alerts as .eml files and on the console
  tidings poll --once [--sources PATH] [--emit jsonl] [--dry-run]
                                        poll every source once, then exit
  tidings sources list [--sources PATH] list the configured sources
  tidings sources check [ID...]         fetch each source once and report (exit 1 if any failed)
  tidings subs add (--telegram CHAT_ID | --email ADDRESS) --query QUERY [--name NAME] [--tags TAGS]
                [--digest daily@08:00|off] [--script original|hans|hant] [--tz ZONE]
                                        add a keyword subscription; prints its private feed URL
  tidings subs edit ID [--name NAME] [--tags TAGS]
                                        set a subscription's display name and hashtags ("" clears)
  tidings subs list [--json] [--telegram CHAT_ID | --email ADDRESS]
  tidings subs remove ID                list or remove keyword subscriptions
  tidings subs export (--telegram CHAT_ID | --email ADDRESS)
                                        print a chat's or address's subscriptions as a file (YAML), as /export sends it
  tidings subs import FILE (--telegram CHAT_ID | --email ADDRESS)
                                        add the subscriptions in FILE (from subs export or /export, or one query a
                                        line); exit 2 and nothing added for a bad file, 1 when some could not be added
  tidings publish --out DIR             write every merged feed and sources.opml into DIR
  tidings extract URL_OR_FILE [--base-url URL] [--source ID] [--encoding CHARSET]
                                        print one article page as normalized article JSON
  tidings match QUERY [--file ARTICLES.jsonl]
                                        print the url of each article (JSON lines, file or stdin)
                                        the query matches; exit 2 for a bad query or bad lines
  tidings --version | --help

Settings come from the environment and ./.env (see .env.example).`;

export async function main(argv: string[]): Promise<number> {
  if (existsSync('.env')) {
    try {
      process.loadEnvFile('.env');
    } catch (err) {
      process.stderr.write(`.env: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await runStart(rest);
      case 'worker':
        return await runWorker(rest);
      case 'demo':
        return await runDemo(rest);
      case 'poll':
        return await runPoll(rest);
      case 'sources':
        return await runSources(rest);
      case 'subs':
        return await runSubs(rest);
      case 'publish':
        return await runPublish(rest);
      case 'extract':
        return await runExtract(rest);
      case 'match':
        return await runMatch(rest);
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${HELP}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tidings: configuration error:\n${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`tidings: ${err.message}\n\n${HELP}\n`);
      return 2;
    }
    process.stderr.write(`tidings: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tidings: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
