import type { Logger } from '@nestjs/common';
import type { StoredFile } from '@app/contracts';
import type { ObjectStorage } from '@app/storage';
import type { InflightState, ProviderAdapter, ResultRef } from '../provider-adapter.js';
import { InfrastructureError, infra } from './infra.js';

/** Downloads a job's ready files through the adapter and stores them; a file that fails is retried next poll. */
export class ResultStorage {
  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly storage: ObjectStorage,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly concurrency: number,
  ) {}

  /** Downloads what is ready and not stored yet, in parallel (bounded), until `signal` aborts. */
  async downloadReady(state: InflightState, refs: ResultRef[], signal: AbortSignal): Promise<void> {
    const key = (kind: string, index: number) => `${kind}:${index}`;
    const have = new Set(state.stored.map((f) => key(f.contentType.startsWith('video/') ? 'video' : 'image', f.index)));
    const queue = refs.filter((ref) => !have.has(key(ref.kind, ref.index)));
    const worker = async () => {
      for (let ref = queue.shift(); ref && !signal.aborted; ref = queue.shift()) {
        try {
          const entry = await this.store(state, ref, signal);
          if (entry) state.stored.push(entry);
        } catch (thrown) {
          const reason =
            thrown instanceof InfrastructureError ? thrown.message : this.adapter.classifyError(thrown).message;
          this.logger.warn(`file #${ref.index} of ${state.job.jobId} not stored yet: ${reason}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    state.stored.sort((a, b) => a.index - b.index);
  }

  private async store(state: InflightState, ref: ResultRef, signal: AbortSignal): Promise<StoredFile | null> {
    const file = await this.adapter.download(state, ref, signal);
    if (!file) return null; // not there yet
    const target = this.adapter.storageTarget(state, ref, file);
    const stored = await infra('storage', `put ${target.path}`, () =>
      this.storage.put(target.bucket, target.path, file.bytes, { contentType: file.contentType }),
    );
    return {
      index: ref.index,
      url: stored.url,
      bucket: stored.bucket,
      path: stored.path,
      contentType: file.contentType,
      size: stored.size,
      ...(file.width ? { width: file.width } : {}),
      ...(file.height ? { height: file.height } : {}),
      sourceUrl: ref.url,
      ...(ref.role ? { role: ref.role } : {}),
    };
  }
}
