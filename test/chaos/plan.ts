import type { WorkerName } from '../integration/system.js';

/**
 * What a chaos run does and when, drawn from one seed: the same seed gives the same submissions (provider, prompt,
 * deadline, resends) and the same faults at the same offsets. What the system does with them still depends on timing.
 */
export interface ChaosOptions {
  jobs: number;
  faults: number;
  db: 'pglite' | 'postgres';
  seed: number;
  /** Seconds over which submissions and faults are spread (default: 2 s per job, at least 60). */
  durationS?: number;
  /**
   * The simulator's time scale (default 0.15: Midjourney renders ~4.5 s, Ideogram ~9 s, ChatGPT answers ~0.6 s):
   * slow enough that faults strike jobs in flight and Ideogram's one slot makes a queue, fast enough for 2 cores.
   */
  simSpeed?: number;
}

export const DEFAULT_SIM_SPEED = 0.15;

export const WORKERS: WorkerName[] = ['midjourney', 'ideogram', 'chatgpt', 'gemini'];

export interface PlannedSubmission {
  index: number;
  /** Offset from the start of the load, ms. */
  atMs: number;
  provider: WorkerName;
  path: string;
  body: Record<string, unknown>;
  idempotencyKey: string;
  /** The unique word that finds this job's prompt in the simulator's submission records. */
  token: string;
  /** When the same request goes again with the same Idempotency-Key (it must answer with the same job). */
  resendAtMs?: number;
}

/** A submit fault of the simulator: armed once, it strikes the provider's next submission. */
export interface SimulatorFault {
  provider: WorkerName;
  fault: 'server_error' | 'network_drop';
  /** The simulator's name of the endpoint (the submit endpoint, or Gemini's video download). */
  endpoint: 'submit' | 'conversation' | 'generate' | 'video';
  stage?: 'before' | 'after';
}

export type PlannedFault =
  | { atMs: number; kind: 'kill-gateway'; pauseMs: number }
  /** With `worker`: that worker is killed too and started again while NATS is still down (it must wait for NATS). */
  | { atMs: number; kind: 'kill-nats'; pauseMs: number; worker?: WorkerName }
  | { atMs: number; kind: 'kill-worker'; worker: WorkerName; pauseMs: number }
  | { atMs: number; kind: 'kill-chromium'; worker: WorkerName }
  | { atMs: number; kind: 'simulator'; fault: SimulatorFault };

export interface ChaosPlan {
  durationMs: number;
  submissions: PlannedSubmission[];
  faults: PlannedFault[];
}

/** mulberry32: small, fast and good enough to make a run repeatable from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The submit faults each imitated site can play (see apps/simulator/src/faults/faults.ts). */
export const SIMULATOR_FAULTS: SimulatorFault[] = [
  { provider: 'midjourney', fault: 'server_error', endpoint: 'submit', stage: 'before' },
  { provider: 'midjourney', fault: 'server_error', endpoint: 'submit', stage: 'after' },
  { provider: 'midjourney', fault: 'network_drop', endpoint: 'submit', stage: 'before' },
  { provider: 'midjourney', fault: 'network_drop', endpoint: 'submit', stage: 'after' },
  // Ideogram: a 503 before the request exists; a cut answer after it was accepted.
  { provider: 'ideogram', fault: 'server_error', endpoint: 'submit' },
  { provider: 'ideogram', fault: 'network_drop', endpoint: 'submit' },
  // ChatGPT: a 500 before the message is taken; an answer stream cut after it was.
  { provider: 'chatgpt', fault: 'server_error', endpoint: 'conversation' },
  { provider: 'chatgpt', fault: 'network_drop', endpoint: 'conversation' },
  // Gemini: a 500 on the page's send (it shows "Something went wrong": the outcome is unknown to the worker); a video
  // download cut half way.
  { provider: 'gemini', fault: 'server_error', endpoint: 'generate' },
  { provider: 'gemini', fault: 'network_drop', endpoint: 'video' },
];

const SUBJECTS = ['a lighthouse', 'a red fox', 'a paper crane', 'a cactus', 'a tram at dusk', 'a koi pond', 'a teapot'];
const STYLES = ['in watercolor', 'as a linocut', 'in pixel art', 'as a pencil sketch', 'in neon colors'];
/** Deadlines the API accepts (timeout_seconds ≥ 30), short so that every job must end within the run. */
const DEADLINES_S = [45, 60];
const RESEND_SHARE = 0.15;

export function defaultDurationS(jobs: number): number {
  return Math.max(60, Math.round(jobs * 2));
}

export function planChaos(options: ChaosOptions): ChaosPlan {
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const durationMs = (options.durationS ?? defaultDurationS(options.jobs)) * 1000;

  const offsets = Array.from({ length: options.jobs }, () => Math.round(random() * durationMs)).sort((a, b) => a - b);
  const submissions = offsets.map((atMs, index): PlannedSubmission => {
    const draw = random();
    // Ideogram and Gemini take one job at a time per account: a fifth and a seventh of the load keep their queues
    // near, not past, capacity.
    const provider: WorkerName =
      draw < 0.45 ? 'midjourney' : draw < 0.65 ? 'ideogram' : draw < 0.86 ? 'chatgpt' : 'gemini';
    const token = `chaos${options.seed}x${index}`;
    const prompt = `${pick(SUBJECTS)} ${pick(STYLES)}, ${token}`;
    const timeout_seconds = pick(DEADLINES_S);
    const resend = random() < RESEND_SHARE;
    const resendAtMs = resend ? atMs + 1000 + Math.round(random() * 20_000) : undefined;
    const request = {
      midjourney: { path: '/v1/midjourney/imagine', body: { prompt, options: { mode: 'fast' }, timeout_seconds } },
      ideogram: { path: '/v1/ideogram/generate', body: { prompt, timeout_seconds } },
      chatgpt: { path: '/v1/chatgpt/conversations', body: { prompt, timeout_seconds } },
      gemini: { path: '/v1/gemini/video', body: { prompt, timeout_seconds } },
    }[provider];
    return {
      index,
      atMs,
      provider,
      ...request,
      idempotencyKey: `chaos-${options.seed}-${index}`,
      token,
      resendAtMs,
    };
  });

  // Each round of five faults hits every kind once, in a random order, so that a short run still sees them all.
  const kinds = ['kill-gateway', 'kill-nats', 'kill-worker', 'kill-chromium', 'simulator'] as const;
  const sequence: (typeof kinds)[number][] = [];
  while (sequence.length < options.faults) {
    const round = [...kinds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    sequence.push(...round);
  }
  // Faults fall within the load (after its first tenth, so that some jobs are in flight), in time order.
  const faultOffsets = Array.from({ length: options.faults }, () =>
    Math.round(durationMs * (0.1 + 0.85 * random())),
  ).sort((a, b) => a - b);
  const faults = faultOffsets.map((atMs, i): PlannedFault => {
    const kind = sequence[i];
    const pauseMs = 1000 + Math.round(random() * 3000);
    switch (kind) {
      case 'kill-gateway':
        return { atMs, kind, pauseMs };
      case 'kill-nats': {
        const worker = random() < 0.5 ? pick(WORKERS) : undefined;
        return { atMs, kind, pauseMs: pauseMs + 2000, ...(worker ? { worker } : {}) };
      }
      case 'kill-worker':
        return { atMs, kind, worker: pick(WORKERS), pauseMs };
      case 'kill-chromium':
        return { atMs, kind, worker: pick(WORKERS) };
      case 'simulator':
        return { atMs, kind, fault: pick(SIMULATOR_FAULTS) };
    }
  });
  return { durationMs, submissions, faults };
}
