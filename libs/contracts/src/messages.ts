import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { ErrorBody, ErrorCode } from './errors.js';
import { JOB_STATUSES, type JobResult, type JobStatus } from './jobs.js';
import { PROVIDERS, type ProviderName } from './providers.js';
import { IDEA_ID_PATTERN } from './validators.js';

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
  @IsOptional() @Matches(IDEA_ID_PATTERN) ideaId?: string;
  /**
   * Set on a job that must run on one account (a follow-up of that account's job): it travels on
   * `Subjects.pinnedJob` and only that account's worker takes it.
   */
  @IsOptional() @IsString() @IsNotEmpty() account?: string;
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

/**
 * The `seq` of a terminal event about a job the worker never ran: it refused the message before any submission
 * (malformed, canceled, or past its deadline while it waited in the queue). A run numbers its events from 1, so this
 * orders after any event a run may have published, and the refusal ends the job whatever the gateway applied before.
 */
export const SEQ_OF_REFUSAL = Number.MAX_SAFE_INTEGER;

/** The error of a job event (codes are checked loosely: a newer worker may know a code this gateway does not). */
export class JobEventError implements ErrorBody {
  @IsString() @IsNotEmpty() code!: ErrorCode;
  @IsString() message!: string;
  @IsOptional() details?: unknown;
  @IsOptional() @IsString() errorId?: string;
}

/** A JobEvent as the gateway validates it before applying it (STYLE §5: JetStream payloads skip Nest's pipes). */
export class JobEventMessage implements JobEvent {
  @IsUUID() jobId!: string;
  @IsIn(PROVIDERS) provider!: ProviderName;
  @IsInt() @Min(0) seq!: number;
  @IsIn(JOB_STATUSES) status!: JobStatus;
  @IsISO8601() at!: string;
  @IsOptional() @IsNumber() @Min(0) @Max(100) progress?: number;
  /** Cumulative snapshot; its fields vary by operation, so only its shape is checked here. */
  @IsOptional() @IsObject() result?: JobResult;
  @IsOptional() @ValidateNested() @Type(() => JobEventError) error?: JobEventError;
  @IsOptional() @IsString() note?: string;
}

export class JobIdMessage {
  @IsUUID() jobId!: string;
}
