import type { FastifyInstance } from 'fastify';
import { chatgptCookies } from './chatgpt-app.js';
import type { ChatgptState } from './chatgpt-state.js';

/** Admin routes of the ChatGPT imitation: accounts and cookies, timing, reset, a conversation's server view. */
export function registerChatgptAdmin(admin: FastifyInstance, state: ChatgptState, host: string) {
  admin.post('/__admin/chatgpt/accounts', async (req) => {
    const { name } = (req.body ?? {}) as { name?: string };
    const account = state.account(name || 'default');
    return { name: account.name, userId: account.userId };
  });

  admin.get('/__admin/chatgpt/accounts/:name/cookies', async (req) => {
    const account = state.account((req.params as { name: string }).name);
    return chatgptCookies(account, host);
  });

  /** Expires the account's access token now: the next /api/auth/session call issues a new one. */
  admin.post('/__admin/chatgpt/accounts/:name/expire', async (req) => {
    const account = state.account((req.params as { name: string }).name);
    account.accessTokenExp = 0;
    return { ok: true };
  });

  admin.post('/__admin/chatgpt/config', async (req) => {
    const body = (req.body ?? {}) as Partial<typeof state.timing>;
    for (const key of ['speed', 'answerMs', 'imageMs', 'uploadMs', 'tokenLifetimeS'] as const) {
      if (typeof body[key] === 'number' && body[key] > 0) state.timing[key] = body[key];
    }
    return state.timing;
  });

  admin.get('/__admin/chatgpt/stats', async () => state.stats());

  admin.post('/__admin/chatgpt/reset', async () => {
    state.reset();
    return { ok: true };
  });

  admin.get('/__admin/chatgpt/conversations/:id', async (req, reply) => {
    const conversation = state.conversations.get((req.params as { id: string }).id);
    if (!conversation) return reply.code(404).send({ error: 'unknown conversation' });
    return state.conversationJson(conversation);
  });
}
