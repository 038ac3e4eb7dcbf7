import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI at /docs (UI) and /openapi.json, with the API-key scheme. */
export function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Generation gateway')
      .setDescription(
        'One API for browser-only generative services. Jobs are answered 202 with an id; poll /v1/jobs/:id, stream ' +
          '/v1/jobs/:id/events or pass webhook_url. Webhooks are signed to Standard Webhooks (webhook-id, ' +
          "webhook-timestamp, webhook-signature) and sent for the job's webhook_events: start (once, when it starts " +
          'processing), progress (at most one every 2 s), completed (any final status; the default).',
      )
      .setVersion('0.1.0')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
}
