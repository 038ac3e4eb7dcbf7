// `npm run chaos -- --jobs N --faults N --db pglite|postgres --seed S [--duration-s S] [--sim-speed X]
// [--report file.json]`: one chaos run (test/chaos/chaos.ts). Progress goes to stderr, the summary line to stdout;
// exits 1 when a job was lost, submitted twice, ended more than 5 s late or never ended, 2 when the run itself could
// not be carried out.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chaosFailed, runChaos, summaryLine } from './chaos.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '60' },
    faults: { type: 'string', default: '8' },
    db: { type: 'string', default: 'pglite' },
    seed: { type: 'string' },
    'duration-s': { type: 'string' },
    'sim-speed': { type: 'string' },
    report: { type: 'string' },
  },
});

const integer = (name: string, value: string | undefined, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${value})`);
  return n;
};
const simSpeed = (value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new Error(`--sim-speed must be in (0, 1] (got ${value})`);
  return n;
};
const db = values.db;
if (db !== 'pglite' && db !== 'postgres') throw new Error(`--db must be pglite or postgres (got ${db})`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : integer('seed', values.seed, 0);

try {
  const report = await runChaos(
    {
      jobs: integer('jobs', values.jobs, 1),
      faults: integer('faults', values.faults, 0),
      db,
      seed,
      durationS: values['duration-s'] === undefined ? undefined : integer('duration-s', values['duration-s'], 10),
      simSpeed: simSpeed(values['sim-speed']),
    },
    {
      started: (stop) => {
        // Ctrl-C: stop every process of the run (and its browsers) rather than leave them behind.
        const onSignal = () => void stop().finally(() => process.exit(130));
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      },
    },
  );
  process.stderr.write(`${JSON.stringify(report.details, null, 2)}\n`);
  if (values.report) writeFileSync(values.report, JSON.stringify(report, null, 2));
  process.stdout.write(`${summaryLine(report.summary)}\n`);
  process.exit(chaosFailed(report.summary) ? 1 : 0);
} catch (error) {
  process.stderr.write(`chaos run failed (seed ${seed}): ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(2);
}
