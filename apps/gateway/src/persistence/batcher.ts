/**
 * Group commit: calls made in the same turn of the event loop, or while a flush is running, go to the database
 * together. An idle system flushes each call at once (one setImmediate later); a busy one turns N statements into
 * one, which is what lets the single-connection embedded database keep up with many concurrent requests. A failed
 * batch is retried item by item, so a failure belongs to the calls whose items cause it. `run` must be safe to
 * repeat for the items of a failed batch (one statement: all or nothing).
 */
export class Batcher<I, O> {
  private queue: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  private scheduled = false;

  /** `lingerMs` > 0 waits that long before a flush, for work nobody awaits (collects more per statement). */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 200,
    private readonly lingerMs = 0,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // setImmediate runs after the requests whose data arrived in this turn of the event loop have reached here.
      const go = () => {
        this.scheduled = false;
        void this.flush();
      };
      if (this.lingerMs) setTimeout(go, this.lingerMs);
      else setImmediate(go);
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.run(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]));
        } catch (error) {
          if (batch.length === 1) batch[0].reject(error);
          // One bad item must not fail the callers batched with it: each goes again alone, so only its own call fails
          // (together, so an outage costs one round trip, not one per item).
          else {
            await Promise.all(
              batch.map((b) =>
                Promise.resolve()
                  .then(() => this.run([b.item]))
                  .then(([result]) => b.resolve(result), b.reject),
              ),
            );
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
