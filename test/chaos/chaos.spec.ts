import { describe, expect, it } from 'vitest';
import { chaosFailed, summaryLine, type ChaosSummary } from './chaos.js';

const clean: ChaosSummary = {
  accepted: 60,
  lost: 0,
  double: 0,
  terminalInTime: 60,
  late: 0,
  stuck: 0,
  brokenImages: 0,
  duplicateRows: 0,
  faults: 8,
  db: 'pglite',
  maxLateMs: 1200,
};

describe(summaryLine.name, () => {
  it('prints the one line the README documents', () => {
    expect(summaryLine({ ...clean, double: 1, late: 2, db: 'postgres' })).toBe(
      'chaos: accepted=60 lost=0 double=1 terminal_in_time=60 late=2 stuck=0 broken_images=0 duplicate_rows=0 ' +
        'faults=8 db=postgres max_late_ms=1200',
    );
  });
});

describe(chaosFailed.name, () => {
  it('fails a run that lost, doubled, ended late or left a job unended, and only those', () => {
    expect(chaosFailed(clean)).toBe(false);
    for (const figure of ['lost', 'double', 'late', 'stuck'] as const) {
      expect(chaosFailed({ ...clean, [figure]: 1 }), figure).toBe(true);
    }
    expect(chaosFailed({ ...clean, brokenImages: 1, duplicateRows: 1 })).toBe(false);
  });
});
