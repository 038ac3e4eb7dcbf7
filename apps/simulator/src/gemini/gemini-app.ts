import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dropMidResponse, type FaultRegistry } from '../faults/faults.js';
import { parseCookies } from '../midjourney/midjourney-app.js';
import { geminiPage } from './gemini-page.js';
import { GEMINI_SESSION_COOKIE, type GeminiAccount, type GeminiLanguage, type GeminiState } from './gemini-state.js';

const P = 'gemini';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Start images larger than this are refused by the page's backend (the worker limits them before). */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** The account's session cookie in the usual export format (what an operator exports from a signed-in browser). */
export function geminiCookies(account: GeminiAccount, host: string) {
  return [
    {
      name: GEMINI_SESSION_COOKIE,
      value: account.sid,
      domain: host,
      path: '/',
      expires: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    },
  ];
}

/**
 * The gemini.google.com stand-in (PROVIDERS.md §1.5): the app page (`/app`, `/app/<chat id>`), and the small backend
 * its script calls: send a message, follow a chat, fetch (or download) the video. Faults come from the shared
 * registry (provider `gemini`): `unauthorized` (signed out), `stuck`, `moderation`, `quota_exhausted` and
 * `server_error` on `generate`, `server_error`, `network_drop` and `latency` on `video`, `latency` anywhere.
 */
export function registerGeminiApp(app: FastifyInstance, state: GeminiState, faults: FaultRegistry) {
  const pollMs = () => Math.max(50, Math.round(2000 * state.timing.speed));
  const accountOf = (req: FastifyRequest) => state.bySession(parseCookies(req.headers.cookie)[GEMINI_SESSION_COOKIE]);
  const signedIn = (account: GeminiAccount | undefined): account is GeminiAccount =>
    !!account && !faults.has(P, 'any', account.name, 'unauthorized');

  async function latency(endpoint: string, account?: string): Promise<void> {
    const fault = faults.take(P, endpoint, account, ['latency']);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
  }

  async function page(req: FastifyRequest, reply: FastifyReply, chatId: string | null) {
    state.count('page');
    const account = accountOf(req);
    await latency('page', account?.name);
    const hl = (req.query as { hl?: string }).hl;
    const language: GeminiLanguage = hl === 'vi' || hl === 'en' ? hl : (account?.language ?? 'en');
    const html = geminiPage({
      signedIn: signedIn(account),
      account: account?.name ?? '',
      language,
      videoTool: account?.video !== 'hidden',
      chatId: chatId && account && state.chats.get(chatId)?.account === account.name ? chatId : null,
      pollMs: pollMs(),
      uploadMs: Math.round(state.timing.uploadMs * state.timing.speed),
    });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }

  app.get('/', (_req, reply) => reply.redirect('/app'));
  app.get('/app', (req, reply) => page(req, reply, null));
  app.get('/app/:id', (req, reply) => page(req, reply, (req.params as { id: string }).id));

  app.post('/_/gemini/generate', async (req, reply) => {
    state.count('generate');
    const account = accountOf(req);
    await latency('generate', account?.name);
    if (!signedIn(account)) return reply.code(401).send({ error: 'signed out' });
    const fault = faults.take(P, 'generate', account.name, ['server_error']);
    if (fault) return reply.code(fault.status ?? 500).send({ error: 'Something went wrong' });
    const body = (req.body ?? {}) as { prompt?: unknown; tool?: unknown; image?: { type?: unknown; base64?: unknown } };
    if (typeof body.prompt !== 'string' || !body.prompt.trim()) return reply.code(400).send({ error: 'empty prompt' });
    let image: { type: string; size: number } | null = null;
    if (body.image && typeof body.image.base64 === 'string' && typeof body.image.type === 'string') {
      const size = Buffer.from(body.image.base64, 'base64').length;
      if (size === 0 || size > MAX_IMAGE_BYTES || !body.image.type.startsWith('image/')) {
        return reply.code(400).send({ error: 'bad image' });
      }
      image = { type: body.image.type, size };
    }
    const chat = state.create(
      account,
      { prompt: body.prompt, videoTool: body.tool === 'video', image },
      {
        stuck: faults.has(P, 'generate', account.name, 'stuck'),
        rejected: !!faults.take(P, 'generate', account.name, ['moderation']),
        quota: !!faults.take(P, 'generate', account.name, ['quota_exhausted']),
      },
    );
    return { id: chat.id };
  });

  app.get('/_/gemini/chats/:id', async (req, reply) => {
    state.count('chat');
    const account = accountOf(req);
    if (!signedIn(account)) return reply.code(401).send({ error: 'signed out' });
    const chat = state.chats.get((req.params as { id: string }).id);
    if (!chat || chat.account !== account.name) return reply.code(404).send({ error: 'not found' });
    return state.view(chat);
  });

  app.get('/_/gemini/video/:file', async (req, reply) => {
    state.count('video');
    const account = accountOf(req);
    await latency('video', account?.name);
    if (!signedIn(account)) return reply.code(403).send({ error: 'forbidden' });
    const id = /^([0-9a-f]+)\.mp4$/.exec((req.params as { file: string }).file)?.[1];
    const chat = id ? state.chats.get(id) : undefined;
    if (!chat || chat.account !== account.name || state.view(chat).videoUrl === null) {
      return reply.code(404).send({ error: 'not found' });
    }
    chat.videoRequests++;
    const fault = faults.take(P, 'video', account.name, ['server_error', 'network_drop']);
    if (fault?.fault === 'server_error') return reply.code(fault.status ?? 503).send({ error: 'unavailable' });
    const bytes = state.videoBytes(chat);
    if (fault?.fault === 'network_drop') return dropMidResponse(reply, 'video/mp4', bytes.subarray(0, 64));
    const download = (req.query as { download?: string }).download === '1';
    if (download) chat.downloads++;
    return reply
      .type('video/mp4')
      .header('cache-control', 'private, max-age=300')
      .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="veo_${chat.id}.mp4"`)
      .send(bytes);
  });
}
