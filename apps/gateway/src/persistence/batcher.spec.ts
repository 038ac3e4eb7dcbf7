import { describe, expect, it, vi } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('sends calls made in the same turn as one batch and answers each with its own result', async () => {
    const run = vi.fn(async (items: number[]) => items.map((n) => n * 10));
    const batcher = new Batcher(run);
    const results = await Promise.all([1, 2, 3].map((n) => batcher.add(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(run).toHaveBeenCalledTimes(1);
    expect(run).toHaveBeenCalledWith([1, 2, 3]);
  });

  it('queues calls made during a flush for the next one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batches: number[][] = [];
    const batcher = new Batcher(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    });
    const first = batcher.add(1);
    await new Promise((r) => setImmediate(r)); // the first flush is running now
    const later = [batcher.add(2), batcher.add(3)];
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('splits at the maximum batch size', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher(async (items: number[]) => (sizes.push(items.length), items), 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects every call of a failed batch and keeps working afterwards', async () => {
    let fail = true;
    const batcher = new Batcher(async (items: number[]) => {
      if (fail) throw new Error('db down');
      return items;
    });
    const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.add(3)).toBe(3);
  });

  it('fails only the call whose item fails its batch; the others are answered from a retry alone', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher(async (items: number[]) => {
      batches.push(items);
      if (items.includes(13)) throw new Error(`row 13 refused`);
      return items.map((n) => n * 10);
    });
    const results = await Promise.allSettled([1, 13, 2, 3].map((n) => batcher.add(n)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('row 13 refused') },
      { status: 'fulfilled', value: 20 },
      { status: 'fulfilled', value: 30 },
    ]);
    expect(batches).toEqual([[1, 13, 2, 3], [1], [13], [2], [3]]);
    expect(await batcher.add(4)).toBe(40);
  });

  it('retries the items of a failed batch together, so an outage costs one more round trip', async () => {
    let running = 0;
    let peak = 0;
    const batcher = new Batcher(async (items: number[]) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      throw new Error(`db down (${items.length})`);
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(peak).toBe(3);
  });

  it('rejects a lone failed call with its error, without retrying it', async () => {
    const run = vi.fn(async (): Promise<number[]> => {
      throw new Error('refused');
    });
    const batcher = new Batcher(run);
    await expect(batcher.add(1)).rejects.toThrow('refused');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('waits the linger time before flushing work nobody awaits', async () => {
    vi.useFakeTimers();
    try {
      const run = vi.fn(async (items: string[]) => items);
      const batcher = new Batcher(run, 100, 50);
      const done = Promise.all([batcher.add('a'), batcher.add('b')]);
      await vi.advanceTimersByTimeAsync(49);
      expect(run).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(await done).toEqual(['a', 'b']);
      expect(run).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
