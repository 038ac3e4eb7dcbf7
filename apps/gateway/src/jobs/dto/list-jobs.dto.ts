import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
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
