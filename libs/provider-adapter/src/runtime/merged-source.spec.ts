import { describe, expect, it } from 'vitest';
import { MergedSource, type JobMsg, type JobSource } from './job-intake.js';

// The worker reads its account's pinned consumer and the provider's shared one as one source.

/** A source whose pulls are settled by the test, in order. */
function controlled() {
  const pulls: Array<{ resolve: (m: JobMsg | null) => void; reject: (e: unknown) => void }> = [];
  const source: JobSource = {
    next: () => new Promise((resolve, reject) => pulls.push({ resolve, reject })),
  };
  return { source, pulls };
}
const msg = (name: string) => ({ name }) as unknown as JobMsg;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe(MergedSource.name, () => {
  it('answers with whichever source brings a message first and keeps one pull open per source', async () => {
    const pinned = controlled();
    const shared = controlled();
    const merged = new MergedSource([pinned.source, shared.source]);
    const first = merged.next({ expires: 1000 });
    await tick();
    expect([pinned.pulls.length, shared.pulls.length]).toEqual([1, 1]);
    shared.pulls[0].resolve(msg('shared-1'));
    expect(await first).toEqual(msg('shared-1'));
    // The pinned pull is still open: the next call does not pull it again, only the shared one.
    const second = merged.next({ expires: 1000 });
    await tick();
    expect([pinned.pulls.length, shared.pulls.length]).toEqual([1, 2]);
    pinned.pulls[0].resolve(msg('pinned-1'));
    expect(await second).toEqual(msg('pinned-1'));
  });

  it('keeps a message that arrived meanwhile for the next call', async () => {
    const pinned = controlled();
    const shared = controlled();
    const merged = new MergedSource([pinned.source, shared.source]);
    const first = merged.next({ expires: 1000 });
    await tick();
    pinned.pulls[0].resolve(msg('pinned-1'));
    shared.pulls[0].resolve(msg('shared-1'));
    const got = [await first, await merged.next({ expires: 1000 })];
    expect(got).toEqual(expect.arrayContaining([msg('pinned-1'), msg('shared-1')]));
  });

  it('passes an expired pull (null) and a failed pull on, and pulls that source again next time', async () => {
    const pinned = controlled();
    const shared = controlled();
    const merged = new MergedSource([pinned.source, shared.source]);
    const first = merged.next({ expires: 1000 });
    await tick();
    pinned.pulls[0].resolve(null);
    expect(await first).toBeNull();
    const second = merged.next({ expires: 1000 });
    await tick();
    expect(pinned.pulls.length).toBe(2);
    pinned.pulls[1].reject(new Error('TIMEOUT'));
    await expect(second).rejects.toThrow('TIMEOUT');
    const third = merged.next({ expires: 1000 });
    await tick();
    expect(pinned.pulls.length).toBe(3);
    shared.pulls[0].resolve(msg('shared-1'));
    expect(await third).toEqual(msg('shared-1'));
  });

  it('gives back a message that arrives on a pull left open when the loop ends', async () => {
    const pinned = controlled();
    const shared = controlled();
    const merged = new MergedSource([pinned.source, shared.source]);
    const first = merged.next({ expires: 1000 });
    await tick();
    shared.pulls[0].resolve(msg('shared-1'));
    await first;
    merged.close();
    let naked = 0;
    pinned.pulls[0].resolve({ nak: () => naked++ } as unknown as JobMsg);
    await tick();
    expect(naked).toBe(1);
  });
});
