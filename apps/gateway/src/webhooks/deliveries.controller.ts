import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey } from '../auth/auth.decorators.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryParam, ListDeliveriesQuery } from './dto/deliveries.dto.js';

const EXAMPLE = {
  id: '42',
  job_id: '3f0c2a9e-1b7d-4c3e-9a51-0d6f3f1c2b7a',
  provider: 'midjourney',
  event: 'job.completed',
  url: 'https://example.com/hooks/gateway',
  status: 'failed',
  attempts: 7,
  last_status: 500,
  last_error: null,
  next_attempt_at: '2026-12-07T16:00:00.000Z',
  created_at: '2026-12-07T15:00:00.000Z',
  updated_at: '2026-12-07T16:00:00.000Z',
};

@ApiTags('webhooks')
@ApiSecurity('api-key')
@Controller('v1/webhooks/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Recent webhook deliveries, newest first (admin keys see all, others their providers’)' })
  @ApiOkResponse({ example: { data: [EXAMPLE], next_cursor: '41' } })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: bad status, limit or cursor' })
  list(@Query() query: ListDeliveriesQuery, @CurrentKey() key: ApiKey) {
    return this.deliveries.list(key, query);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sends a delivery again now (one more attempt when its retries were used up)' })
  @ApiOkResponse({ description: 'The delivery, pending again', example: { ...EXAMPLE, status: 'pending' } })
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST: not a delivery id' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such delivery for this key' })
  retry(@Param() params: DeliveryParam, @CurrentKey() key: ApiKey) {
    return this.deliveries.retry(key, params.id);
  }
}
