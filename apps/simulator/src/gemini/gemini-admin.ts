import type { FastifyInstance } from 'fastify';
import { geminiCookies } from './gemini-app.js';
import type { GeminiLanguage, GeminiState, VideoAccess } from './gemini-state.js';

/** Admin routes of the Gemini imitation: accounts (language, video access) and cookies, timing, stats, a chat. */
export function registerGeminiAdmin(admin: FastifyInstance, state: GeminiState, host: string) {
  admin.post('/__admin/gemini/accounts', async (req, reply) => {
    const body = (req.body ?? {}) as { name?: string; language?: string; video?: string };
    if (body.language !== undefined && !['en', 'vi'].includes(body.language)) {
      return reply.code(400).send({ error: 'language must be en or vi' });
    }
    if (body.video !== undefined && !['ok', 'refused', 'hidden'].includes(body.video)) {
      return reply.code(400).send({ error: 'video must be ok, refused or hidden' });
    }
    const account = state.account(body.name || 'default', {
      language: body.language as GeminiLanguage | undefined,
      video: body.video as VideoAccess | undefined,
    });
    return { name: account.name, language: account.language, video: account.video };
  });

  admin.get('/__admin/gemini/accounts/:name/cookies', async (req) => {
    const account = state.account((req.params as { name: string }).name);
    return geminiCookies(account, host);
  });

  admin.post('/__admin/gemini/config', async (req) => {
    const body = (req.body ?? {}) as Partial<typeof state.timing>;
    for (const key of ['speed', 'renderMs', 'uploadMs'] as const) {
      if (typeof body[key] === 'number' && body[key] > 0) state.timing[key] = body[key];
    }
    return state.timing;
  });

  admin.get('/__admin/gemini/stats', async () => state.stats());

  admin.post('/__admin/gemini/reset', async () => {
    state.reset();
    return { ok: true };
  });

  admin.get('/__admin/gemini/chats/:id', async (req, reply) => {
    const chat = state.chats.get((req.params as { id: string }).id);
    if (!chat) return reply.code(404).send({ error: 'unknown chat' });
    return { ...chat, view: state.view(chat) };
  });
}
