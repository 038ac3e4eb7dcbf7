import { Type } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { JOB_STATUSES, PROVIDERS } from '@app/contracts';

// eslint-disable-next-line no-control-regex -- Postgres text refuses NUL: a clear 400 instead of a SQL error
const NO_NUL = /^[^\u0000]*$/;

export class ListJobsQuery {
  @IsOptional() @IsIn(PROVIDERS) provider?: string;
  @IsOptional() @IsIn(JOB_STATUSES) status?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit: number = 20;
  @IsOptional() @IsString() cursor?: string;
  /** Jobs one account ran (`result.account`, where the worker reports it). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_NUL, { message: 'account must not contain NUL' })
  account?: string;
  /** Text in the job's id or input (prompt, URLs…), case-insensitive. */
  @IsOptional() @IsString() @MaxLength(200) @Matches(NO_NUL, { message: 'q must not contain NUL' }) q?: string;
}

export class JobIdParam {
  @IsString() @Type(() => String) id!: string;
}

/** POST /v1/jobs/batch-get: up to 100 job ids. */
export class BatchGetBody {
  @ApiProperty({ type: [String], example: ['0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  ids!: string[];
}
