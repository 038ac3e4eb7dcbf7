import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { KeyLimits } from '../api-key.js';

/** The largest limit a key can be given: "practically unlimited" without overflowing the counters. */
export const MAX_LIMIT = 1_000_000_000;

const limit = (description: string, example: number | null) =>
  ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_LIMIT,
    example,
    description: `${description}. null or absent: the configured default. 0 is refused (a key with no access is revoked instead).`,
  });

/**
 * A key's limits: positive integers or null (the configured default). 0 is refused rather than read as
 * "unlimited" or "no access": revoking is how a key loses access, and MAX_LIMIT is how it gets practically none.
 */
export class KeyLimitsDto {
  @limit('Requests per minute over all routes (fixed one-minute window, shared by every gateway replica)', 600)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  requests_per_minute?: number | null;

  @limit('Jobs created per provider per UTC day', 1000)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  jobs_per_day?: number | null;

  @limit('Jobs of the key pending or processing at once', 20)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  concurrent_jobs?: number | null;

  @limit('Open SSE streams (GET /v1/jobs/{id}/events) at once', null)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  concurrent_streams?: number | null;
}

/** The DTO's fields that were sent (null included); absent fields are left out. */
export function limitsFromDto(dto: KeyLimitsDto | undefined): Partial<KeyLimits> {
  if (!dto) return {};
  const out: Partial<KeyLimits> = {};
  if (dto.requests_per_minute !== undefined) out.requestsPerMinute = dto.requests_per_minute;
  if (dto.jobs_per_day !== undefined) out.jobsPerDay = dto.jobs_per_day;
  if (dto.concurrent_jobs !== undefined) out.concurrentJobs = dto.concurrent_jobs;
  if (dto.concurrent_streams !== undefined) out.concurrentStreams = dto.concurrent_streams;
  return out;
}

export function limitsView(limits: KeyLimits) {
  return {
    requests_per_minute: limits.requestsPerMinute,
    jobs_per_day: limits.jobsPerDay,
    concurrent_jobs: limits.concurrentJobs,
    concurrent_streams: limits.concurrentStreams,
  };
}
