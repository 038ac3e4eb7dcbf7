import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID } from 'class-validator';
import type { ErrorBody } from './errors.js';
import type { JobResult, JobStatus } from './jobs.js';
import { PROVIDERS, type ProviderName } from './providers.js';

/** Published by the gateway on `jobs.<provider>.<operation>`; the worker validates it with the same class. */
export class JobMessage<TInput = Record<string, unknown>> {
  @IsUUID() jobId!: string;
  @IsIn(PROVIDERS) provider!: ProviderName;
  @IsString() @IsNotEmpty() operation!: string;
  /** Validated again by the worker against the operation's payload class (e.g. MidjourneyImaginePayload). */
  @IsObject() input!: TInput;
  /** Hard deadline: the worker ends the job as `timeout` (or partial) when it passes. */
  @IsISO8601() deadlineAt!: string;
  @IsISO8601() createdAt!: string;
  /** The product_design row the job syncs to; also names the storage folder as the original did. */
  @IsOptional() @IsUUID() ideaId?: string;
}

/**
 * Published by workers on `events.<provider>.<jobId>`. Events are cumulative snapshots (`result` carries every
 * file stored so far), so the gateway can apply them idempotently and out of order: `seq` orders them per job.
 */
export interface JobEvent {
  jobId: string;
  provider: ProviderName;
  seq: number;
  status: JobStatus;
  at: string;
  /** 0–100. */
  progress?: number;
  result?: JobResult;
  error?: ErrorBody;
  /** Short human note (e.g. "queued at provider", "reference image uploaded"). */
  note?: string;
}

export class JobIdMessage {
  @IsUUID() jobId!: string;
}
