import { Injectable } from '@nestjs/common';
import {
  IDEOGRAM_COMMANDS,
  IdeogramBulkDownloadRequest,
  IdeogramDownloadRequest,
  Subjects,
  parsePayload,
} from '@app/contracts';
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

/** `ideogram.bulk-download`: the original's `POST /api/d/images`, in chunks like a single download. */
@Injectable()
export class BulkDownloadService extends ChunkedFileServer {
  protected readonly subject = Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.bulkDownload);
  protected readonly queue = 'ideogram';

  constructor(
    nats: NatsService,
    private readonly commands: IdeogramCommandsService,
  ) {
    super(nats);
  }

  protected serve(payload: unknown) {
    return this.commands.bulkDownload(parsePayload(IdeogramBulkDownloadRequest, payload));
  }
}
