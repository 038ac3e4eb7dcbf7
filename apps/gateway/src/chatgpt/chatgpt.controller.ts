import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { JobWaiter, jobAnswer, preferWaitSeconds } from '../jobs/job-waiter.js';
import { ChatgptService } from './chatgpt.service.js';
import { ConversationDto, ConversationParams, RecentImagesQuery } from './dto/conversation.dto.js';

@ApiTags('chatgpt')
@ApiSecurity('api-key')
@RequireScope('chatgpt')
@Controller('v1/chatgpt')
export class ChatgptController {
  constructor(
    private readonly chatgpt: ChatgptService,
    private readonly waiter: JobWaiter,
  ) {}

  /** A message to a custom GPT as a job: text, code blocks, conversation id and stored images in its result. */
  @Post('conversations')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiHeader({ name: 'Prefer', required: false, description: 'wait=N: answer when the job ends, up to N (≤ 60) s' })
  async submitConversation(
    @Body() body: ConversationDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.chatgpt.conversation(
      key,
      {
        prompt: body.prompt,
        imageUrls: [...(body.image_urls ?? []), ...(body.image_url ? [body.image_url] : [])],
        images: body.images?.map((image) => ({ data: image.data, contentType: image.content_type })),
        gptUrl: body.gpt_url,
        conversationId: body.conversation_id,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  /** The worker's account: state (ready, cooling_down, signed_out, challenge…), browser, runs, last error. */
  @Get('status')
  status() {
    return this.chatgpt.status();
  }

  /** Re-checks the account now, after the profile or the cookies were fixed. */
  @Post('init')
  @HttpCode(200)
  init() {
    return this.chatgpt.init();
  }

  /** The account's recent image generations, newest first; `next_cursor` pages on. */
  @Get('recent-images')
  recentImages(@Query() query: RecentImagesQuery) {
    return this.chatgpt.recentImages({
      limit: query.limit,
      cursor: query.cursor,
      conversationId: query.conversation_id,
    });
  }

  /** The first fenced code block of a conversation (what the remix GPT writes its prompt in). */
  @Get('conversations/:id/prompt')
  async conversationPrompt(@Param() params: ConversationParams) {
    const reply = await this.chatgpt.conversationPrompt(params.id);
    return {
      conversation_id: params.id,
      found: reply.found,
      node_id: reply.nodeId,
      prompt: reply.found ? reply.prompt : null,
      language: reply.language,
      checked_nodes: reply.checkedNodes,
    };
  }
}
