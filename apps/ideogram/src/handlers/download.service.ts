import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { IDEOGRAM_COMMANDS, IdeogramDownloadRequest, Subjects, parsePayload } from '@app/contracts';
import { NatsService, serveChunked } from '@app/messaging';
import { IdeogramCommandsService } from './ideogram-commands.service.js';

/** `ideogram.download` streams a response's image back in chunks (images exceed NATS's payload limit). */
@Injectable()
export class DownloadService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DownloadService.name);
  private subscription?: { unsubscribe(): void };

  constructor(
    private readonly nats: NatsService,
    private readonly commands: IdeogramCommandsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = serveChunked(
      await this.nats.connection(),
      Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.download),
      'ideogram',
      (payload) => this.commands.download(parsePayload(IdeogramDownloadRequest, payload)),
      (error) => this.logger.error(`download failed: ${String(error)}`),
    );
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
