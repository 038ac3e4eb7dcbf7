import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { JOB_STATUSES, PROVIDERS } from '@app/contracts';

export class ListJobsQuery {
  @IsOptional() @IsIn(PROVIDERS) provider?: string;
  @IsOptional() @IsIn(JOB_STATUSES) status?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit: number = 20;
  @IsOptional() @IsString() cursor?: string;
}

export class JobIdParam {
  @IsString() @Type(() => String) id!: string;
}
