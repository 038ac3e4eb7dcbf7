import { TestSystem, stopApp, type WorkerName } from '../integration/system.js';
import { PROVIDER_CATALOG } from '../../provider-catalog.mjs';
import { imageProblem } from './images.js';
import {
  DEFAULT_SIM_SPEED,
  WORKERS,
  planChaos,
  type ChaosOptions,
  type ChaosPlan,
  type PlannedFault,
  type PlannedSubmission,
} from './plan.js';
import { chromiumOn, killHard } from './processes.js';

/**
 * The chaos run: the whole system as separate processes (nats-server on a file store, simulator, gateway, three
 * workers), a mixed load through /v1, and kill -9s and provider faults at seeded times; then one account of what
 * became of every accepted job. See README "Chaos suite".
 */
export interface ChaosSummary {
  accepted: number;
  lost: number;
  double: number;
  terminalInTime: number;
  late: number;
  stuck: number;
  brokenImages: number;
  duplicateRows: number;
  faults: number;
  db: 'pglite' | 'postgres';
  maxLateMs: number;
}

export interface ChaosReport {
  summary: ChaosSummary;
  /** Job ids (or prompt tokens) behind each non-zero figure, and the faults as injected. */
  details: Record<string, unknown>;
}

/** A job is late when it reached its terminal state more than this after its deadline. */
export const LATE_MS = 5000;
const TERMINAL = new Set(['completed', 'failed', 'timeout', 'canceled']);
/**
 * Every job must be terminal within 5 s of its deadline (the gateway's sweeper ends overdue jobs 2 s after it, every
 * second); waiting longer only tells late from stuck.
 */
const DRAIN_AFTER_DEADLINE_MS = 20_000;
/** How long a submission is retried while the gateway is down or answers 5xx. */
const SUBMIT_RETRY_MS = 90_000;
const POLL_EVERY_MS = 3000;
const PROFILE_VARIABLE = Object.fromEntries(PROVIDER_CATALOG.map((p) => [p.name, `${p.env}_PROFILE_DIR`])) as Record<
  WorkerName,
  string
>;

export function summaryLine(s: ChaosSummary): string {
  return (
    `chaos: accepted=${s.accepted} lost=${s.lost} double=${s.double} terminal_in_time=${s.terminalInTime} ` +
    `late=${s.late} stuck=${s.stuck} broken_images=${s.brokenImages} duplicate_rows=${s.duplicateRows} ` +
    `faults=${s.faults} db=${s.db} max_late_ms=${s.maxLateMs}`
  );
}

/** What makes a run fail: anything lost, submitted twice, ended late, or never ended. */
export function chaosFailed(s: ChaosSummary): boolean {
  return s.lost > 0 || s.double > 0 || s.late > 0 || s.stuck > 0;
}

interface JobView {
  id: string;
  status: string;
  input: unknown;
  result: { images?: Array<{ url: string; size?: number }> } | null;
  error: { code: string; message: string } | null;
  updated_at: string;
  completed_at: string | null;
  deadline_at: string;
}

/** One submission the simulator recorded: which site, its own id (job, request or conversation), when. */
interface ProviderSubmission {
  provider: string;
  ref: string;
  at: string;
}

interface Tracked {
  plan: PlannedSubmission;
  id?: string;
  /** Every job id the gateway answered for this Idempotency-Key (more than one is a duplicate row). */
  ids: Set<string>;
  rejected?: string;
  view?: JobView;
  /** Terminal statuses in the order they were seen: a job must never change after it ended. */
  terminalSeen: string[];
  missing?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChaosHooks {
  log?: (line: string) => void;
  /** Called once the system runs, with what stops it (a CLI stops it on Ctrl-C). */
  started?: (stop: () => Promise<void>) => void;
}

export async function runChaos(options: ChaosOptions, hooks: ChaosHooks = {}): Promise<ChaosReport> {
  const log = hooks.log ?? defaultLog();
  const plan = planChaos(options);
  const maxDeadlineS = Math.max(...plan.submissions.map((s) => Number(s.body.timeout_seconds)), 60);
  log(
    `seed=${options.seed} jobs=${options.jobs} faults=${options.faults} db=${options.db} ` +
      `sim-speed=${options.simSpeed ?? DEFAULT_SIM_SPEED} ` +
      `load over ${plan.durationMs / 1000} s; starting nats-server, simulator, gateway and ${WORKERS.join(', ')}`,
  );
  const system = await startSystem(options, log);
  log(
    `up: gateway ${system.gatewayUrl}, nats ${system.nats.url}, data in ${system.dataDir}${system.db ? `, database ${system.db.name}` : ''}`,
  );
  hooks.started?.(() => stopEverything(system));
  try {
    const run = new ChaosRun(system, plan, log);
    return await run.execute(options, maxDeadlineS);
  } finally {
    await stopEverything(system);
  }
}

/**
 * Starts every part and waits until each is ready. On a busy 2-core machine three Chromiums and the gateway starting
 * at once can overrun a readiness wait: one more attempt from scratch before the run counts as not carried out.
 */
async function startSystem(options: ChaosOptions, log: (line: string) => void): Promise<TestSystem> {
  for (let attempt = 1; ; attempt++) {
    const system = new TestSystem({
      database: options.db,
      databasePrefix: `chaos_${process.pid}`,
      simSpeed: options.simSpeed ?? DEFAULT_SIM_SPEED,
      workers: WORKERS,
      gatewayEnv: {
        // Deadlines of jobs without timeout_seconds; the load passes its own (45 or 60 s).
        MIDJOURNEY_DEADLINE_SECONDS: '60',
        IDEOGRAM_DEADLINE_SECONDS: '60',
        CHATGPT_DEADLINE_SECONDS: '60',
      },
    });
    try {
      return await system.start();
    } catch (error) {
      await stopEverything(system).catch(() => undefined);
      if (attempt >= 2) throw error;
      log(`start failed, trying again: ${String(error).slice(0, 1500)}`);
    }
  }
}

function defaultLog() {
  const started = Date.now();
  return (line: string) => process.stderr.write(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
}

async function stopEverything(system: TestSystem): Promise<void> {
  const profiles = WORKERS.map((w) => system.workerEnv(w)?.[PROFILE_VARIABLE[w]]).filter((d): d is string => !!d);
  await system.stop();
  // A worker killed with -9 leaves no one to close its browser: reap what is left on the run's profiles.
  for (const dir of profiles) for (const p of chromiumOn(dir)) killHard(p.pid);
}

class ChaosRun {
  private readonly tracked: Tracked[];
  private apiKey = '';
  private loadStart = 0;
  private injected: Array<PlannedFault & { at: string; recoveredMs?: number }> = [];
  private polling = true;

  constructor(
    private readonly system: TestSystem,
    private readonly plan: ChaosPlan,
    private readonly log: (line: string) => void,
  ) {
    this.tracked = plan.submissions.map((s) => ({ plan: s, ids: new Set(), terminalSeen: [] }));
  }

  async execute(options: ChaosOptions, maxDeadlineS: number): Promise<ChaosReport> {
    this.apiKey = await this.createApiKey();
    this.loadStart = Date.now();
    const poller = this.pollLoop();
    await Promise.all([this.loadLoop(), this.faultLoop()]);
    const accepted = this.tracked.filter((t) => t.id);
    this.log(`load and faults done: ${accepted.length}/${this.tracked.length} accepted; waiting for jobs to end`);

    // Every app is up again here (the fault loop restarts what it killed). Wait for all jobs to end, or until the
    // latest deadline plus the sweeper's grace has passed.
    const latestDeadline = Math.max(
      ...accepted.map((t) => (t.view ? Date.parse(t.view.deadline_at) : Date.now() + maxDeadlineS * 1000)),
      Date.now(),
    );
    const bound = latestDeadline + DRAIN_AFTER_DEADLINE_MS;
    while (Date.now() < bound && accepted.some((t) => !t.missing && !TERMINAL.has(t.view?.status ?? ''))) {
      await sleep(1000);
    }
    this.polling = false;
    await poller;
    await this.refreshAll(accepted);
    return this.account(options, accepted);
  }

  // ------------------------------------------------------------------ HTTP

  private async call(
    method: string,
    path: string,
    { body, headers = {}, key = this.apiKey }: { body?: unknown; headers?: Record<string, string>; key?: string } = {},
  ): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.system.gatewayUrl}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = { text };
    }
    return { status: res.status, json };
  }

  /** A key of the load's own, made with the bootstrap key as an operator would. */
  private async createApiKey(): Promise<string> {
    const res = await this.call('POST', '/v1/admin/keys', {
      key: this.system.apiKey,
      // The load is the point here: limits far above it, so no 429 of the gateway's own mixes in.
      body: {
        name: 'chaos',
        scopes: WORKERS,
        limits: { requests_per_minute: 1_000_000, jobs_per_day: 1_000_000, concurrent_jobs: 100_000 },
      },
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`creating the API key: ${res.status}`);
    return res.json.key as string;
  }

  // ------------------------------------------------------------------ load

  private async loadLoop(): Promise<void> {
    await Promise.all(
      this.tracked.map(async (t) => {
        await this.until(t.plan.atMs);
        await this.submit(t, 'submit');
        if (t.plan.resendAtMs !== undefined) {
          await this.until(t.plan.resendAtMs);
          await this.submit(t, 'resend');
        }
      }),
    );
  }

  private async until(offsetMs: number): Promise<void> {
    const wait = this.loadStart + offsetMs - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /** Posts the planned request, again with the same Idempotency-Key while the gateway is down or answers 5xx. */
  private async submit(t: Tracked, what: 'submit' | 'resend'): Promise<void> {
    const giveUp = Date.now() + SUBMIT_RETRY_MS;
    let last = '';
    while (Date.now() < giveUp) {
      try {
        const res = await this.call('POST', t.plan.path, {
          body: t.plan.body,
          headers: { 'idempotency-key': t.plan.idempotencyKey },
        });
        if (res.status < 300 && typeof res.json?.id === 'string') {
          t.ids.add(res.json.id);
          t.id ??= res.json.id;
          if (!t.view) t.view = res.json as JobView;
          if (t.ids.size > 1) this.log(`duplicate row: ${t.plan.idempotencyKey} answered ${[...t.ids].join(' and ')}`);
          return;
        }
        last = `${res.status} ${JSON.stringify(res.json).slice(0, 200)}`;
        if (res.status < 500) break;
      } catch (error) {
        last = String(error);
      }
      await sleep(1000);
    }
    if (!t.id) t.rejected = last;
    this.log(`${what} of ${t.plan.token} (${t.plan.provider}) not accepted: ${last}`);
  }

  // ------------------------------------------------------------------ observation

  private async pollLoop(): Promise<void> {
    while (this.polling) {
      const open = this.tracked.filter((t) => t.id && !t.missing && !TERMINAL.has(t.view?.status ?? ''));
      await this.refreshAll(open, 4).catch(() => undefined);
      await sleep(POLL_EVERY_MS);
    }
  }

  /** Reads the jobs; a 404 marks a job the gateway no longer knows (lost). Unreachable gateway: tried next round. */
  private async refreshAll(jobs: Tracked[], concurrency = 4): Promise<void> {
    const queue = [...jobs];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          try {
            const res = await this.call('GET', `/v1/jobs/${t.id}`);
            if (res.status === 404) t.missing = true;
            if (res.status !== 200) continue;
            t.missing = false;
            t.view = res.json as JobView;
            if (TERMINAL.has(t.view.status) && t.terminalSeen.at(-1) !== t.view.status) {
              t.terminalSeen.push(t.view.status);
            }
          } catch {
            /* gateway down: next round */
          }
        }
      }),
    );
  }

  // ------------------------------------------------------------------ faults

  private async faultLoop(): Promise<void> {
    for (const fault of this.plan.faults) {
      await this.until(fault.atMs);
      const started = Date.now();
      this.log(`fault: ${describe(fault)}`);
      await this.inject(fault);
      this.injected.push({ ...fault, at: new Date(started).toISOString(), recoveredMs: Date.now() - started });
    }
  }

  private async inject(fault: PlannedFault): Promise<void> {
    const { system } = this;
    switch (fault.kind) {
      case 'kill-gateway':
        await stopApp(system.gateway, 'SIGKILL');
        await sleep(fault.pauseMs);
        await this.restart(
          'gateway',
          () => system.startGateway(),
          () => stopApp(system.gateway, 'SIGKILL'),
        );
        return;
      case 'kill-nats': {
        await system.nats.stop('SIGKILL');
        const worker = fault.worker;
        let workerBack: Promise<void> | undefined;
        if (worker) {
          // A worker that starts during the outage must wait for NATS (it may not exit, nor be ready unconsumed).
          await this.killWorker(worker);
          workerBack = this.restart(
            worker,
            async () => void (await system.startProviderWorker(worker)),
            () => this.killWorker(worker),
          );
        }
        await sleep(fault.pauseMs);
        await this.restart(
          'nats-server',
          () => system.nats.start(),
          () => system.nats.stop('SIGKILL'),
        );
        await workerBack;
        return;
      }
      case 'kill-worker': {
        // As a container dies: the worker and the browser it drove (nothing else would ever close that browser).
        await this.killWorker(fault.worker);
        await sleep(fault.pauseMs);
        await this.restart(
          fault.worker,
          async () => void (await system.startProviderWorker(fault.worker)),
          () => this.killWorker(fault.worker),
        );
        return;
      }
      case 'kill-chromium': {
        const dir = this.profileDir(fault.worker);
        const main = chromiumOn(dir).filter((p) => p.main);
        if (main.length === 0) this.log(`no Chromium on ${dir} to kill`);
        for (const p of main) killHard(p.pid);
        return; // the worker relaunches its browser itself
      }
      case 'simulator':
        await system.admin('POST', '/__admin/faults', { ...fault.fault, times: 1 });
        return;
    }
  }

  private profileDir(worker: WorkerName): string {
    const dir = this.system.workerEnv(worker)?.[PROFILE_VARIABLE[worker]];
    if (!dir) throw new Error(`no profile directory for the ${worker} worker`);
    return dir;
  }

  private async killWorker(worker: WorkerName): Promise<void> {
    await stopApp(this.system.workers.get(worker), 'SIGKILL');
    for (const p of chromiumOn(this.profileDir(worker))) killHard(p.pid);
  }

  /** Starts a killed part again until it is ready (it may refuse while another part is down), killing half-starts. */
  private async restart(name: string, start: () => Promise<void>, kill: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        return;
      } catch (error) {
        this.log(`restart of ${name} failed (attempt ${attempt}): ${String(error).slice(0, 1500)}`);
        await kill().catch(() => undefined);
        if (attempt >= 10) throw new Error(`${name} did not come back after ${attempt} attempts`);
        await sleep(2000);
      }
    }
  }

  // ------------------------------------------------------------------ the account

  private async account(options: ChaosOptions, accepted: Tracked[]): Promise<ChaosReport> {
    const lost = accepted.filter((t) => t.missing);
    const ended = accepted.filter((t) => !t.missing && t.view && TERMINAL.has(t.view.status));
    const stuck = accepted.filter((t) => !t.missing && !(t.view && TERMINAL.has(t.view.status)));
    const lateness = (t: Tracked) =>
      Date.parse(t.view!.completed_at ?? t.view!.updated_at) - Date.parse(t.view!.deadline_at);
    const late = ended.filter((t) => lateness(t) > LATE_MS);
    const maxLateMs = Math.max(0, ...ended.map(lateness));
    const changedAfterEnd = accepted.filter((t) => t.terminalSeen.length > 1);

    const submissions = await this.providerSubmissions();
    const doubles = [...submissions.entries()].filter(([, records]) => records.length > 1);
    const duplicateKeys = await this.duplicateRows();

    const broken: Array<{ id: string; url: string; problem: string }> = [];
    for (const t of ended.filter((e) => e.view!.status === 'completed')) {
      for (const image of t.view!.result?.images ?? []) {
        const problem = await this.imageProblemAt(image.url, image.size);
        if (problem) broken.push({ id: t.id!, url: image.url, problem });
      }
    }

    const summary: ChaosSummary = {
      accepted: accepted.length,
      lost: lost.length,
      double: doubles.length,
      terminalInTime: ended.length - late.length,
      late: late.length,
      stuck: stuck.length,
      brokenImages: broken.length,
      duplicateRows: duplicateKeys.length,
      faults: this.injected.length,
      db: options.db,
      maxLateMs,
    };
    const statuses: Record<string, number> = {};
    for (const t of accepted) statuses[t.view?.status ?? 'unknown'] = (statuses[t.view?.status ?? 'unknown'] ?? 0) + 1;
    return {
      summary,
      details: {
        seed: options.seed,
        loadStartedAt: new Date(this.loadStart).toISOString(),
        statuses,
        notAccepted: this.tracked.filter((t) => !t.id).map((t) => ({ token: t.plan.token, why: t.rejected })),
        lost: lost.map((t) => t.id),
        double: doubles.map(([token, records]) => {
          const t = this.byToken(token);
          return { token, job: t?.id, status: t?.view?.status, submissions: records };
        }),
        unsuccessful: ended
          .filter((t) => t.view!.status !== 'completed')
          .map((t) => ({ id: t.id, provider: t.plan.provider, status: t.view!.status, error: t.view!.error })),
        late: late.map((t) => ({ id: t.id, provider: t.plan.provider, status: t.view!.status, lateMs: lateness(t) })),
        stuck: stuck.map((t) => ({ id: t.id, provider: t.plan.provider, status: t.view?.status })),
        changedAfterEnd: changedAfterEnd.map((t) => ({ id: t.id, statuses: t.terminalSeen })),
        brokenImages: broken,
        duplicateRows: duplicateKeys,
        faults: this.injected,
      },
    };
  }

  private byToken(token: string): Tracked | undefined {
    return this.tracked.find((t) => t.plan.token === token);
  }

  /**
   * Each of the load's prompts as it reached a provider, from the simulator's own records: Midjourney and Ideogram
   * jobs it created, ChatGPT messages it took (`next`; a `variant` regenerates the answer to the same message, which
   * is the worker's repair of a cut answer, not a second submission), Gemini chats it started.
   */
  private async providerSubmissions(): Promise<Map<string, ProviderSubmission[]>> {
    const stats = await this.system.admin('GET', '/__admin/stats');
    const records: Array<ProviderSubmission & { prompt: string }> = [
      ...(stats.midjourney.jobs as Array<{ prompt: string; job_id: string; submittedAt: number }>).map((j) => ({
        prompt: j.prompt,
        provider: 'midjourney',
        ref: j.job_id,
        at: new Date(j.submittedAt).toISOString(),
      })),
      ...(stats.ideogram.jobs as Array<{ prompt: string; request_id: string; submittedAt: number }>).map((j) => ({
        prompt: j.prompt,
        provider: 'ideogram',
        ref: j.request_id,
        at: new Date(j.submittedAt).toISOString(),
      })),
      ...(
        stats.chatgpt.submissions as Array<{
          prompt: string;
          action: string;
          conversation_id: string;
          submittedAt: number;
        }>
      )
        .filter((s) => s.action === 'next')
        .map((s) => ({
          prompt: s.prompt,
          provider: 'chatgpt',
          ref: s.conversation_id,
          at: new Date(s.submittedAt).toISOString(),
        })),
      ...(stats.gemini.chats as Array<{ prompt: string; id: string; startedAt: number }>).map((c) => ({
        prompt: c.prompt,
        provider: 'gemini',
        ref: c.id,
        at: new Date(c.startedAt).toISOString(),
      })),
    ];
    const byToken = new Map<string, ProviderSubmission[]>();
    for (const { prompt, ...record } of records) {
      for (const match of prompt.matchAll(/\bchaos\d+x\d+\b/g)) {
        byToken.set(match[0], [...(byToken.get(match[0]) ?? []), record]);
      }
    }
    return byToken;
  }

  /**
   * Idempotency-Keys behind more than one job: answered with two ids, or two stored jobs carrying one prompt (every
   * logical job of the load has its own key and its own prompt, so a second row can only come from a retried POST).
   */
  private async duplicateRows(): Promise<Array<{ key: string; ids: string[] }>> {
    const byToken = new Map<string, Set<string>>();
    for (const t of this.tracked) byToken.set(t.plan.token, new Set(t.ids));
    let cursor: string | null = null;
    do {
      const res = await this.call('GET', `/v1/jobs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (res.status !== 200) throw new Error(`listing jobs: ${res.status}`);
      for (const job of res.json.data as JobView[]) {
        const token = /\bchaos\d+x\d+\b/.exec(JSON.stringify(job.input))?.[0];
        if (token) byToken.get(token)?.add(job.id);
      }
      cursor = res.json.next_cursor as string | null;
    } while (cursor);
    return [...byToken.entries()]
      .filter(([, ids]) => ids.size > 1)
      .map(([token, ids]) => ({ key: this.byToken(token)!.plan.idempotencyKey, ids: [...ids] }));
  }

  private async imageProblemAt(url: string, size?: number): Promise<string | undefined> {
    try {
      const res = await fetch(new URL(url, this.system.gatewayUrl), { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) return `HTTP ${res.status}`;
      const bytes = Buffer.from(await res.arrayBuffer());
      if (size !== undefined && size !== bytes.length) return `${bytes.length} bytes, the job says ${size}`;
      return imageProblem(bytes);
    } catch (error) {
      return String(error);
    }
  }
}

function describe(fault: PlannedFault): string {
  switch (fault.kind) {
    case 'kill-gateway':
      return `${fault.kind}, restart after ${fault.pauseMs} ms`;
    case 'kill-nats':
      return `kill-nats, restart after ${fault.pauseMs} ms${fault.worker ? `; ${fault.worker} killed and started meanwhile` : ''}`;
    case 'kill-worker':
      return `kill-worker ${fault.worker}, restart after ${fault.pauseMs} ms`;
    case 'kill-chromium':
      return `kill-chromium of ${fault.worker}`;
    case 'simulator':
      return `simulator ${fault.fault.provider} ${fault.fault.fault} on ${fault.fault.endpoint}${fault.fault.stage ? ` (${fault.fault.stage})` : ''}`;
  }
}
