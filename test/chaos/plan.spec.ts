import { describe, expect, it } from 'vitest';
import { SIMULATOR_FAULTS, planChaos, prng } from './plan.js';

describe(planChaos.name, () => {
  const options = { jobs: 60, faults: 8, db: 'pglite' as const, seed: 7, durationS: 120 };

  it('draws the same run from the same seed and another from another seed', () => {
    expect(planChaos(options)).toEqual(planChaos(options));
    expect(planChaos({ ...options, seed: 8 })).not.toEqual(planChaos(options));
  });

  it('spreads unique prompts and keys over the run, with deadlines the API accepts and some resends', () => {
    const { submissions, durationMs } = planChaos(options);
    expect(submissions).toHaveLength(60);
    expect(new Set(submissions.map((s) => s.idempotencyKey)).size).toBe(60);
    expect(new Set(submissions.map((s) => s.body.prompt)).size).toBe(60);
    for (const s of submissions) {
      expect(String(s.body.prompt)).toMatch(new RegExp(`\\b${s.token}\\b`));
      expect(s.atMs).toBeGreaterThanOrEqual(0);
      expect(s.atMs).toBeLessThanOrEqual(durationMs);
      expect(s.body.timeout_seconds).toBeGreaterThanOrEqual(30);
      if (s.resendAtMs !== undefined) expect(s.resendAtMs).toBeGreaterThan(s.atMs);
    }
    expect(new Set(submissions.map((s) => s.provider))).toEqual(
      new Set(['midjourney', 'ideogram', 'chatgpt', 'gemini']),
    );
    expect(submissions.some((s) => s.resendAtMs !== undefined)).toBe(true);
    // No token is a prefix of another in a way a word-bounded search would confuse (chaos7x1 vs chaos7x12).
    expect(submissions.filter((s) => /\bchaos7x1\b/.test(String(s.body.prompt)))).toHaveLength(1);
  });

  it('plays every kind of fault within the load, in time order', () => {
    const { faults, durationMs } = planChaos(options);
    expect(faults).toHaveLength(8);
    expect(new Set(faults.map((f) => f.kind))).toEqual(
      new Set(['kill-gateway', 'kill-nats', 'kill-worker', 'kill-chromium', 'simulator']),
    );
    expect(faults.map((f) => f.atMs)).toEqual([...faults.map((f) => f.atMs)].sort((a, b) => a - b));
    for (const f of faults) {
      expect(f.atMs).toBeGreaterThanOrEqual(durationMs * 0.1);
      expect(f.atMs).toBeLessThanOrEqual(durationMs * 0.95);
      if (f.kind === 'simulator') expect(SIMULATOR_FAULTS).toContainEqual(f.fault);
    }
  });
});

describe(prng.name, () => {
  it('is uniform enough over [0, 1)', () => {
    const random = prng(1);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.5, 1);
  });
});
