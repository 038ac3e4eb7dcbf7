import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey } from '../auth/auth.decorators.js';
import { StatsService } from './stats.service.js';

class StatsQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 168,
    default: 24,
    description: 'Window: jobs created in the last N hours',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(168)
  hours: number = 24;
}

const EXAMPLE = {
  hours: 24,
  since: '2026-12-06T16:00:00.000Z',
  jobs: [{ provider: 'midjourney', status: 'completed', count: 41 }],
  hourly: [{ hour: '2026-12-07T15:00:00.000Z', provider: 'midjourney', status: 'completed', count: 6 }],
  completion_seconds: [
    { provider: null, completed: 41, median: 52.3, p95: 88.1 },
    { provider: 'midjourney', completed: 41, median: 52.3, p95: 88.1 },
  ],
  failures: [{ provider: 'midjourney', code: 'CONTENT_REJECTED', count: 2 }],
};

@ApiTags('stats')
@ApiSecurity('api-key')
@Controller('v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({
    summary: 'Jobs per provider and status, hourly counts, median/p95 time to complete and failure codes',
    description:
      'From the jobs table, over jobs the key may see. completion_seconds has one row per provider and one with provider null for all.',
  })
  @ApiOkResponse({ example: EXAMPLE })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: hours outside 1–168' })
  overview(@Query() query: StatsQuery, @CurrentKey() key: ApiKey) {
    return this.stats.overview(key, query.hours);
  }
}
