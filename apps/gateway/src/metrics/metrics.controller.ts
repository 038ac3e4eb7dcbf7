import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus exposition; scrape with a key of scope `admin` (`authorization: Bearer <key>` in the scrape config). */
@ApiTags('health')
@ApiSecurity('api-key')
@RequireScope('admin')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
