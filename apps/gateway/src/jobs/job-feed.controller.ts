import { Controller, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey } from '../auth/auth.decorators.js';
import { JobFeedQuery } from './dto/job-feed.dto.js';
import { JobFeedService } from './job-feed.service.js';

@ApiTags('jobs')
@ApiSecurity('api-key')
@Controller('v1/events')
export class JobFeedController {
  constructor(private readonly feed: JobFeedService) {}

  @Sse()
  @ApiOperation({
    summary: 'Server-sent events of every job change the key may see',
    description:
      'Event `ready` once the stream is live, then `job` (data: the job as GET /v1/jobs/:id shows it) on every creation and change; `ping` every 15 s.',
  })
  @ApiOkResponse({
    description: 'text/event-stream',
    content: {
      'text/event-stream': {
        example:
          'event: job\nid: 3f0c…:2026-12-07T16:00:00.000Z\ndata: {"id":"3f0c…","provider":"midjourney","status":"processing","progress":40,…}\n\n',
      },
    },
  })
  events(@Query() query: JobFeedQuery, @CurrentKey() key: ApiKey): Observable<MessageEvent> {
    return this.feed.open(key, query);
  }
}
