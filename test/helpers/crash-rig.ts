/**
 * A rig for crash and multi-process tests (test/e2e/crash.test.ts, test/hostile/process.test.ts,
 * bench/soak): real `tidings start` child processes on one store, the Bot API double, a
 * loopback RSS source whose items the caller adds, and subscriptions seeded straight into the
 * store. It counts what the double accepted per (chat, article), and reads the outbox between
 * runs (deliveries left `sending` = in flight at a kill).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/settings.js';
import { createApp } from '../../src/app.js';
import type { Delivery } from '../../src/domain/subscription.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { spawnCli } from './cli.js';
import { listen, type RunningServer } from './corpus.js';
import { startFakeBotApi, type FakeBotApi } from './fake-bot-api.js';

export interface RigItem {
  guid: string;
  title: string;
  date: string;
  body: string;
}

const WORDS =
  '科技 会议 部署 创新 项目 企业 人才 合作 基地 园区 农业 棉花 水利 交通 能源 光伏 风电 教育 医疗 文化 旅游 生态 治理 乡村 振兴 产业 链条 数字 经济 平台 服务 改革 开放 口岸 物流 贸易 金融 税收 就业 社保 住房 安全 生产 应急 气象 防汛 抗旱 卫生 疾控 体育 赛事 展会 论坛 签约 投资 开工 竣工 验收 调研 考察 座谈 培训 讲座 试点 示范 标准 质量 品牌 专利 成果 转化 孵化 实验室 研究院 高校 院士 专家 青年 妇女 儿童 老人 社区 街道 乡镇 兵团 师市 团场 连队 牧区 草原 沙漠 绿洲 河湖 湿地 森林 矿产 石油 天然气 煤炭 化工 纺织 服装 食品 葡萄 红枣 核桃 番茄 辣椒 小麦 玉米 牛羊 马匹 骆驼'.split(
    ' ',
  );

/** A story no other item resembles (random words, so near-duplicate detection keeps them apart). */
export function makeItem(guid: string, matching: boolean): RigItem {
  const pick = () => WORDS[Math.floor(Math.random() * WORDS.length)]!;
  const body = Array.from({ length: 80 }, pick).join('') + guid;
  const title = `${matching ? '援疆' : '本地'}${pick()}${pick()}${pick()}工作第${guid}号通报`;
  return { guid, title, date: new Date().toUTCString(), body };
}

function rss(origin: string, items: RigItem[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>新疆科技厅</title><link>${origin}/</link>
${items
  .map(
    (i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><link>${origin}/a/${i.guid}.html</link><pubDate>${i.date}</pubDate>
<description><![CDATA[<p>${i.title}。${i.body}</p>]]></description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

export interface RigOptions {
  /** STORE_URL (default a SQLite file in the rig's folder). */
  storeUrl?: string;
  /** Latency of the Bot API double (ms). */
  latencyMs?: number;
  env?: Record<string, string>;
  /** Telegram API root the children use (default the double; e.g. a proxy in front of it). */
  apiRoot?: () => string;
}

export interface Child {
  proc: ChildProcess;
  stderr: string;
  name: string;
}

export class CrashRig {
  readonly dir: string;
  readonly storeUrl: string;
  readonly items: RigItem[] = [];
  /** Guids of the items the query matches. */
  readonly matching = new Set<string>();
  readonly chats: number[] = [];
  polls = 0;
  /** Called whenever the feed was served (tests kill at chosen moments after it). */
  onServed: (() => void) | undefined;
  /** Extra delay before the feed is answered (ms). */
  feedDelayMs = 0;
  private seq = 0;
  readonly children: Child[] = [];

  private constructor(
    readonly api: FakeBotApi,
    readonly site: RunningServer,
    private readonly opts: RigOptions,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-crash-'));
    mkdirSync(path.join(this.dir, 'feeds'));
    this.storeUrl = opts.storeUrl ?? `sqlite://${path.join(this.dir, 'data', 'tidings.sqlite')}`;
    writeFileSync(
      path.join(this.dir, 'feeds', 'sources.yaml'),
      `sources:\n  - id: xjkjt\n    name: 新疆科技厅\n    url: ${site.origin}/feed.xml\n    interval: 5s\n    fulltext: never\n    tags: [科技]\n`,
    );
  }

  static async create(opts: RigOptions = {}): Promise<CrashRig> {
    const api = await startFakeBotApi();
    api.latencyMs = opts.latencyMs ?? 0;
    // eslint-disable-next-line prefer-const
    let rig: CrashRig;
    const site = await listen((req, res) => {
      if (req.url !== '/feed.xml') return void res.writeHead(404).end();
      const body = rss(rig.site.origin, rig.items);
      const answer = () => {
        rig.polls++;
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
        rig.onServed?.();
      };
      if (rig.feedDelayMs > 0) setTimeout(answer, rig.feedDelayMs);
      else answer();
    });
    rig = new CrashRig(api, site, opts);
    return rig;
  }

  /** Subscribe `n` chats (ids 5001…) to the query 援疆, straight into the store. */
  async seed(n: number): Promise<void> {
    const app = await this.openApp();
    try {
      for (let i = 0; i < n; i++) {
        const chatId = 5001 + this.chats.length;
        await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId }, query: '援疆', createdBy: 'crash-rig' });
        this.chats.push(chatId);
      }
    } finally {
      await app.close();
    }
  }

  /** Add items to the feed: `matching` ones the subscriptions match, `other` ones they do not. */
  add(matching: number, other = 0): string[] {
    const added: string[] = [];
    for (let i = 0; i < matching + other; i++) {
      const guid = `n${++this.seq}`;
      const item = makeItem(guid, i < matching);
      this.items.unshift(item);
      if (i < matching) this.matching.add(guid);
      added.push(guid);
    }
    return added;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      STORE_URL: this.storeUrl,
      HTTP_PORT: '0',
      ALLOW_PRIVATE_NETWORKS: 'true',
      SCHEDULER_TICK: '* * * * * *',
      POLL_JITTER: '0',
      TELEGRAM_BOT_TOKEN: '123456:test-token',
      TELEGRAM_API_ROOT: this.opts.apiRoot?.() ?? this.api.url,
      ALERT_FOLD_THRESHOLD: '100',
      LOG_LEVEL: 'info',
      ...this.opts.env,
      ...extra,
    };
  }

  start(name = `p${this.children.length + 1}`, extra: Record<string, string> = {}): Child {
    const proc = spawnCli(['start'], { cwd: this.dir, env: this.env(extra) });
    const child: Child = { proc, stderr: '', name };
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      child.stderr += d;
      if (child.stderr.length > 2_000_000) child.stderr = child.stderr.slice(-1_000_000);
    });
    proc.stdout!.resume();
    this.children.push(child);
    return child;
  }

  /** kill -9, and wait until the process is gone. */
  async kill9(child: Child): Promise<void> {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
    child.proc.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM, and wait for the exit code. */
  async stop(child: Child): Promise<number | null> {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return child.proc.exitCode;
    const gone = new Promise<number | null>((resolve) => child.proc.once('exit', (code) => resolve(code)));
    child.proc.kill('SIGTERM');
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), 30_000);
    const code = await gone;
    clearTimeout(timer);
    return code;
  }

  async until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, watch: Child[] = []): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      for (const c of watch) {
        if (c.proc.exitCode !== null) throw new Error(`${c.name} exited (${c.proc.exitCode}) while waiting for ${what}\n--- stderr ---\n${c.stderr.slice(-4000)}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- stderr ---\n${watch.map((c) => `[${c.name}] ${c.stderr.slice(-3000)}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Accepted alerts per `chat|guid` (from the double's records). */
  delivered(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.api.sent) {
      const m = /\/a\/([^"./]+)\.html/.exec(String(c.params.text ?? ''));
      if (!m) continue;
      const key = `${String(c.params.chat_id)}|${m[1]!}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    return out;
  }

  /** Alerts the double accepted (all of them, repeats included). */
  alertsSent(): number {
    let n = 0;
    for (const v of this.delivered().values()) n += v;
    return n;
  }

  /** (chat, article) pairs expected: every seeded chat × every matching item. */
  expected(): string[] {
    return this.chats.flatMap((chat) => [...this.matching].map((g) => `${chat}|${g}`));
  }

  /** Lost (expected, never accepted), duplicated (accepted more than once, the repeats counted). */
  tally(): { expected: number; delivered: number; lost: number; duplicates: number; unexpected: number; mostCopies: number } {
    const got = this.delivered();
    const expected = new Set(this.expected());
    let duplicates = 0;
    let unexpected = 0;
    let mostCopies = 0;
    for (const [k, n] of got) {
      if (!expected.has(k)) unexpected += n;
      else duplicates += n - 1;
      mostCopies = Math.max(mostCopies, n);
    }
    const lost = [...expected].filter((k) => !got.has(k)).length;
    return { expected: expected.size, delivered: [...got.keys()].filter((k) => expected.has(k)).length, lost, duplicates, unexpected, mostCopies };
  }

  /** The outbox's unfinished telegram deliveries by status (read with no child running, or alongside one). */
  async outbox(): Promise<{ pending: number; sending: number; records: Delivery[] }> {
    const kv = await openKeyValue(this.storeUrl);
    try {
      const outbox = new Outbox(kv, createStore(kv), 86_400_000);
      const keys = await outbox.pendingKeys('telegram');
      const records = (await kv.getMany<Delivery>(keys.map((k) => `delivery:${k}`))).filter((d): d is Delivery => d !== undefined);
      return { pending: records.filter((d) => d.status === 'pending').length, sending: records.filter((d) => d.status === 'sending').length, records };
    } finally {
      await kv.close();
    }
  }

  /** Keys of deliveries found `sending` after a kill (in flight then), over all kills so far. */
  readonly inFlightKeys = new Set<string>();

  /** Sends in flight at the kills so far: each kill's `sending` records, a key counted again at each kill that finds it so. */
  private inFlightAtKills = 0;

  /**
   * Call right after a kill: adds what the outbox holds in `sending` to `inFlightKeys`, and
   * returns how many sends were in flight at all the kills so far. A key resent after one
   * kill and caught in flight again by the next can arrive three times (two duplicates), so
   * the bound on duplicates counts it once per kill, not once.
   */
  async recordInFlight(): Promise<number> {
    for (const d of (await this.outbox()).records) {
      if (d.status !== 'sending') continue;
      this.inFlightKeys.add(d.key);
      this.inFlightAtKills++;
    }
    return this.inFlightAtKills;
  }

  /** Unfinished (pending or sending) telegram deliveries now (safe while a child runs). */
  async unfinished(): Promise<number> {
    const box = await this.outbox();
    return box.pending + box.sending;
  }

  private openApp() {
    const settings = loadSettings({ STORE_URL: this.storeUrl, TIDINGS_SOURCES: path.join(this.dir, 'feeds'), ALLOW_PRIVATE_NETWORKS: 'true' });
    return createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  }

  async close(): Promise<void> {
    for (const c of this.children) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    }
    await this.api.close();
    await this.site.close();
  }
}

/**
 * An HTTP proxy in front of the Bot API double that behaves like Telegram towards concurrent
 * long polls: a `getUpdates` while another is open is answered 409 Conflict. It counts the
 * conflicts and the most polls open at once.
 */
export class PollGuard {
  conflicts = 0;
  maxConcurrent = 0;
  polls = 0;
  private open = 0;
  private server: http.Server;
  url = '';

  constructor(private readonly upstream: () => string) {
    this.server = http.createServer((req, res) => {
      const isPoll = /\/getUpdates$/.test(new URL(req.url ?? '/', 'http://x').pathname);
      if (isPoll) {
        this.polls++;
        if (this.open > 0) {
          this.conflicts++;
          req.resume();
          res.writeHead(409, { 'content-type': 'application/json' }).end(
            JSON.stringify({ ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' }),
          );
          return;
        }
        this.open++;
        this.maxConcurrent = Math.max(this.maxConcurrent, this.open);
      }
      let closed = false;
      const done = () => {
        if (isPoll && !closed) {
          closed = true;
          this.open--;
        }
      };
      const up = new URL(this.upstream());
      const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('end', done);
        r.on('error', done);
      });
      fwd.on('error', () => {
        done();
        res.destroy();
      });
      res.on('close', () => {
        done();
        fwd.destroy();
      });
      req.pipe(fwd);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
