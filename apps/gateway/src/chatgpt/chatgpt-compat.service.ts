import { Injectable } from '@nestjs/common';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobWaiter, preferWaitSeconds } from '../jobs/job-waiter.js';
import { ChatgptGatewayConfig, ChatgptService } from './chatgpt.service.js';

/** The original ChatGPT service's routes on top of durable jobs, in the original answer shapes. */
@Injectable()
export class ChatgptCompatService {
  constructor(
    private readonly chatgpt: ChatgptService,
    private readonly waiter: JobWaiter,
    private readonly config: ChatgptGatewayConfig,
  ) {}

  /**
   * The original answered when the run was over. Now the run is a job: the request waits for it up to
   * CHATGPT_GPTGEN_WAIT_SECONDS (or `Prefer: wait=N`) and answers with the original's fields when it finished, or
   * with the job id to poll when it did not.
   */
  async gptgen(key: ApiKey, body: { prompt?: string; imageUrl?: string; url?: string }, prefer?: string) {
    if (!body.prompt?.trim() && !body.imageUrl) {
      throw new GatewayException('INVALID_REQUEST', 'prompt or imageUrl is required');
    }
    const created = await this.chatgpt.conversation(key, {
      prompt: body.prompt,
      imageUrls: body.imageUrl ? [body.imageUrl] : undefined,
      gptUrl: body.url,
    });
    const wait = /(?:^|[;,\s])wait=\d/.test(prefer ?? '') ? preferWaitSeconds(prefer) : this.config.gptgenWaitSeconds;
    const { job, final } = await this.waiter.settle(created, wait);
    if (final && job.status !== 'completed') {
      throw new GatewayException(
        job.error?.code ?? 'PROVIDER_ERROR',
        job.error?.message ?? `The run ended ${job.status}`,
        { jobId: job.id, status: job.status },
      );
    }
    const result = job.result;
    const conversationId = typeof result?.conversation_id === 'string' ? result.conversation_id : undefined;
    // Only generated images: the original also listed the uploaded input's pointer here (§1.7 #16).
    const assetPointers = Array.isArray(result?.asset_pointers) ? (result.asset_pointers as string[]) : [];
    return {
      success: true,
      jobId: job.id,
      status: job.status,
      ...(conversationId ? { conversationId } : {}),
      ...(final && assetPointers.length ? { assetPointers } : {}),
      ...(final
        ? { text: result?.text ?? '', images: (result?.images ?? []).map((image) => image.url) }
        : { message: 'Still running: poll the job', links: { self: `/v1/jobs/${job.id}` } }),
      timestamp: new Date().toISOString(),
    };
  }

  async recentImages(body: { conversationId?: string; page?: number }) {
    const reply = await this.chatgpt.recentImages({ pages: body.page ?? 1, conversationId: body.conversationId });
    return { success: true, items: reply.items };
  }

  async conversationPrompt(body: { conversationId: string }) {
    const reply = await this.chatgpt.conversationPrompt(body.conversationId);
    // No fenced block: the original answered 200 with success:false and the nodes it checked.
    return reply.found
      ? { success: true, nodeId: reply.nodeId, prompt: reply.prompt }
      : { success: false, prompt: '', debugCheckedNodes: reply.checkedNodes };
  }
}
