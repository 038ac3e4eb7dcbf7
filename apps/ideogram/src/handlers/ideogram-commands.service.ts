import { Injectable } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import {
  ProviderException,
  type IdeogramBulkDownloadRequest,
  type IdeogramCaptionReply,
  type IdeogramCaptionRequest,
  type IdeogramDownloadRequest,
  type IdeogramGalleryReply,
  type IdeogramGalleryRequest,
  type IdeogramSubmitAsCallerReply,
  type IdeogramSubmitAsCallerRequest,
  type IdeogramMetadataReply,
  type IdeogramRequestMetadataRequest,
  type IdeogramUploadReply,
  type IdeogramUploadRequest,
} from '@app/contracts';
import { IdeogramAdapter } from '../adapter/ideogram.adapter.js';
import { detailOf } from '../adapter/ideogram-protocol.js';

/**
 * A provider status answered to a quick command becomes the code the gateway maps back to the same HTTP status
 * (400, 401, 404, 429; anything else 502): the original passed Ideogram's status through.
 */
export function codeForStatus(status: number): string {
  if (status === 400 || status === 422) return 'INVALID_PARAMETER';
  if (status === 401 || status === 403) return 'UNAUTHENTICATED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  return 'PROVIDER_ERROR';
}

/** Ideogram answered a quick command with an error status. */
export class ProviderStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A failure of a quick command as `{code, message}` (RpcException body, or a chunked error reply). */
export function commandError(error: unknown): { code: string; message: string } {
  if (error instanceof ProviderStatusError) return { code: codeForStatus(error.status), message: error.message };
  if (error instanceof ProviderException) {
    // The caller's own token was refused: that is the caller's 401, not the account's lost session.
    if (error.control.callerToken) return { code: 'UNAUTHENTICATED', message: error.message };
    // A submission whose answer was lost may have been accepted: the caller must look before sending it again.
    if (error.control.outcomeUnknown) {
      return {
        code: 'SUBMISSION_UNKNOWN',
        message: `${error.message}; the submission may have been accepted: check the gallery before retrying`,
      };
    }
    return { code: error.code, message: error.message };
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return { code: 'PROVIDER_TIMEOUT', message: error.message };
  }
  return { code: 'PROVIDER_ERROR', message: error instanceof Error ? error.message : String(error) };
}

const bounded = () => AbortSignal.timeout(90_000);

/** Quick request/reply commands (the original's upload, caption, getrequestid and download routes). */
@Injectable()
export class IdeogramCommandsService {
  constructor(private readonly adapter: IdeogramAdapter) {}

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new RpcException(commandError(error));
    }
  }

  upload(request: IdeogramUploadRequest): Promise<IdeogramUploadReply> {
    return this.run(async () => ({
      uploadId: await this.adapter.uploadFromUrl(request.imageUrl, bounded(), request.token),
    }));
  }

  caption(request: IdeogramCaptionRequest): Promise<IdeogramCaptionReply> {
    return this.run(async () => ({ caption: await this.adapter.describe(request.uploadId, bounded(), request.token) }));
  }

  requestMetadata(request: IdeogramRequestMetadataRequest): Promise<IdeogramMetadataReply> {
    return this.run(async () => {
      const res = await this.adapter.call(
        'GET',
        `/api/images/retrieve_metadata_request_id/${encodeURIComponent(request.requestId)}`,
        undefined,
        bounded(),
        { token: request.token },
      );
      if (!res.ok) {
        throw new ProviderStatusError(
          res.status,
          `Ideogram answered Status ${res.status}: ${detailOf(res.body) ?? ''}`,
        );
      }
      return { metadata: res.body };
    });
  }

  /** The original's upscale / removebackground / genimageprompt on the caller's own token: the site's answer. */
  submitAsCaller(request: IdeogramSubmitAsCallerRequest): Promise<IdeogramSubmitAsCallerReply> {
    return this.run(async () => ({
      answer: await this.adapter.submitAsCaller(request.operation, request.input, request.token, bounded()),
    }));
  }

  /** A user's gallery, verbatim; the site's error status is passed through as the original did. */
  gallery(request: IdeogramGalleryRequest): Promise<IdeogramGalleryReply> {
    return this.run(async () => {
      const query = new URLSearchParams({
        user_id: request.userId,
        all_privacy: request.allPrivacy,
        filters: request.filters,
      });
      const res = await this.adapter.call('GET', `/api/g/u?${query}`, undefined, bounded(), { token: request.token });
      if (!res.ok) {
        throw new ProviderStatusError(
          res.status,
          `Ideogram answered Status ${res.status}: ${detailOf(res.body) ?? ''}`,
        );
      }
      return { gallery: res.body };
    });
  }

  /** The web app's bulk download: the bytes and the site's Content-Type (an image, or a zip of several). */
  async bulkDownload(request: IdeogramBulkDownloadRequest): Promise<{ bytes: Buffer; contentType: string }> {
    try {
      const res = await this.adapter.call<Buffer>(
        'POST',
        '/api/d/images',
        { image_ids: request.imageIds, cover_only: request.coverOnly, request_ids: request.requestIds },
        bounded(),
        { bytes: true, token: request.token, timeoutMs: 90_000 },
      );
      if (res.status >= 400) throw new ProviderStatusError(res.status, `Ideogram answered Status ${res.status}`);
      const contentType = (res.headers['content-type'] ?? '').split(';')[0] || 'application/octet-stream';
      return { bytes: res.body, contentType };
    } catch (error) {
      const { code, message } = commandError(error);
      throw Object.assign(new Error(message), { code });
    }
  }

  /** Bytes of a response (served in chunks: images exceed NATS's payload limit); errors as `{code, message}`. */
  async download(request: IdeogramDownloadRequest): Promise<{ bytes: Buffer; contentType: string }> {
    try {
      const res = await this.adapter.downloadResponse(request.responseId, request, bounded());
      if (res.status >= 400) throw new ProviderStatusError(res.status, `Ideogram answered Status ${res.status}`);
      const png = (request.quality ?? 'PNG').toUpperCase() === 'PNG';
      return { bytes: res.bytes, contentType: res.contentType || (png ? 'image/png' : 'image/jpeg') };
    } catch (error) {
      const { code, message } = commandError(error);
      throw Object.assign(new Error(message), { code });
    }
  }
}
