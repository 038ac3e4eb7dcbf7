import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { JOB_STATUSES, PROVIDERS } from '@app/contracts';

/** GET /v1/events: which job changes to stream (default: every job the key may see). */
export class JobFeedQuery {
  @ApiPropertyOptional({ enum: PROVIDERS }) @IsOptional() @IsIn(PROVIDERS) provider?: string;
  @ApiPropertyOptional({ enum: JOB_STATUSES }) @IsOptional() @IsIn(JOB_STATUSES) status?: string;
}
