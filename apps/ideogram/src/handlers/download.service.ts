import { Injectable } from '@nestjs/common';
import { IDEOGRAM_COMMANDS, IdeogramDownloadRequest, Subjects, parsePayload } from '@app/contracts';
import { ChunkedFileServer, NatsService } from '@app/messaging';
import { IdeogramCommandsService } from './ideogram-commands.service.js';

/** `ideogram.download` streams a response's image back in chunks (images exceed NATS's payload limit). */
@Injectable()
export class DownloadService extends ChunkedFileServer {
  protected readonly subject = Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.download);
  protected readonly queue = 'ideogram';

  constructor(
    nats: NatsService,
    private readonly commands: IdeogramCommandsService,
  ) {
    super(nats);
  }

  protected serve(payload: unknown) {
    return this.commands.download(parsePayload(IdeogramDownloadRequest, payload));
  }
}
