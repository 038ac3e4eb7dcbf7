import { Injectable } from '@nestjs/common';
import {
  ChatgptConversationPayload,
  Subjects,
  type ChatgptConversationPromptReply,
  type ChatgptRecentImagesReply,
  type ChatgptStoredImage,
  type StatusReply,
} from '@app/contracts';
import { ObjectStorage } from '@app/storage';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { assertJobInput } from '../errors/submission-checks.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkerRpc } from '../workers/worker-rpc.js';
import { storeImage, type DecodedImage } from '../files/image-upload.js';
import { chatgptTarget, decodeImage } from './chatgpt-input.js';

export class ChatgptGatewayConfig {
  deadlineSeconds: number = 600;
  /** How long POST /gptgen holds the request for the answer (the original was synchronous). */
  gptgenWaitSeconds: number = 120;
  /** The worker's ChatGPT origin: GPT URLs on it are accepted besides chatgpt.com. */
  appUrl: string = 'https://chatgpt.com';
  /** Where images uploaded in request bodies are kept for the worker. */
  uploadBucket: string = 'chatgpt-uploads';
  maxUploadBytes: number = 20 * 1024 * 1024;
}

export interface ConversationRequest {
  prompt?: string;
  imageUrls?: string[];
  images?: Array<{ data: string; contentType?: string }>;
  gptUrl?: string;
  conversationId?: string;
  webhookUrl?: string;
  webhookEvents?: string[];
  timeoutSeconds?: number;
}

@Injectable()
export class ChatgptService {
  constructor(
    private readonly jobs: JobsService,
    private readonly rpc: WorkerRpc,
    private readonly storage: ObjectStorage,
    private readonly config: ChatgptGatewayConfig,
  ) {}

  /** A conversation job: validated as the worker will validate it, uploads stored first (content-addressed). */
  async conversation(key: ApiKey, request: ConversationRequest, idempotencyKey?: string) {
    const target = chatgptTarget(request.gptUrl, request.conversationId, this.config.appUrl);
    const prompt = request.prompt?.trim() ? request.prompt : undefined;
    const imageUrls = [...new Set(request.imageUrls ?? [])];
    const images = request.images ?? [];
    if (!prompt && imageUrls.length + images.length === 0) {
      throw new GatewayException('INVALID_REQUEST', 'prompt or at least one image is required');
    }
    const decoded = images.map((image, i) =>
      decodeImage(image.data, image.contentType, this.config.maxUploadBytes, `images[${i}].data`),
    );
    const input: Record<string, unknown> = {
      ...(prompt ? { prompt } : {}),
      ...(imageUrls.length ? { imageUrls } : {}),
      ...target,
    };
    // Checked before anything is stored; the stored references then only add valid entries.
    assertJobInput(ChatgptConversationPayload, {
      ...input,
      ...(decoded.length ? { uploads: decoded.map(() => placeholder) } : {}),
    });
    if (decoded.length) input.uploads = await Promise.all(decoded.map((image) => this.store(image)));
    return this.jobs.create(key, {
      provider: 'chatgpt',
      operation: 'conversation',
      input,
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  private store(image: DecodedImage): Promise<ChatgptStoredImage> {
    return storeImage(this.storage, this.config.uploadBucket, image);
  }

  /** One page of the account's recent image generations. */
  async recentImages(query: { limit?: number; cursor?: string; conversationId?: string; pages?: number }) {
    const reply = await this.rpc.send<ChatgptRecentImagesReply>(
      Subjects.rpc.command('chatgpt', 'recent-images'),
      {
        pages: query.pages ?? 1,
        limit: query.limit ?? 6,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.conversationId ? { conversationId: query.conversationId } : {}),
      },
      60_000,
    );
    return { items: reply.items, next_cursor: reply.cursor };
  }

  conversationPrompt(conversationId: string): Promise<ChatgptConversationPromptReply> {
    return this.rpc.send<ChatgptConversationPromptReply>(
      Subjects.rpc.command('chatgpt', 'conversation-prompt'),
      { conversationId },
      45_000,
    );
  }

  status(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.status('chatgpt'));
  }

  /** Re-checks the account now (after an operator fixed the profile or the cookies). */
  init(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.init('chatgpt'), {}, 120_000);
  }
}

/** Stands for an upload while the payload is checked before storing (the shape the worker will get). */
const placeholder: ChatgptStoredImage = {
  bucket: 'chatgpt-uploads',
  path: 'uploads/pending.png',
  contentType: 'image/png',
};
