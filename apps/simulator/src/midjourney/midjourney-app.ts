import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CHALLENGE_HTML, FaultRegistry, dropMidResponse, type Fault, type FaultName } from '../faults/faults.js';
import type { MidjourneyState, MjAccount, MjJob } from './midjourney-state.js';
import { invalidFlag, normaliseEcho, parsePrompt, sizeOf } from './prompt-parser.js';

export const ID_COOKIE = '__Host-Midjourney.AuthUserTokenV3_i';
export const REFRESH_COOKIE = '__Host-Midjourney.AuthUserTokenV3_r';

export interface MjOrigins {
  app: string;
  cdn: string;
  links: string;
  host: string;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export function sessionCookies(state: MidjourneyState, account: MjAccount, host: string) {
  const exp = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  return [
    {
      name: ID_COOKIE,
      value: account.idToken,
      domain: host,
      path: '/',
      expires: exp,
      httpOnly: false,
      secure: true,
      sameSite: 'lax',
    },
    {
      name: REFRESH_COOKIE,
      value: account.refreshToken,
      domain: host,
      path: '/',
      expires: exp,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    },
  ];
}

function setSessionCookies(reply: FastifyReply, account: MjAccount): void {
  const maxAge = 30 * 24 * 3600;
  reply.header('set-cookie', [
    `${ID_COOKIE}=${account.idToken}; Path=/; Secure; SameSite=Lax; Max-Age=${maxAge}`,
    `${REFRESH_COOKIE}=${account.refreshToken}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${maxAge}`,
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The www.midjourney.com stand-in: pages, token refresh, the /api/* the web app uses. */
export function registerMidjourneyApp(
  app: FastifyInstance,
  state: MidjourneyState,
  faults: FaultRegistry,
  origins: MjOrigins,
) {
  const P = 'midjourney';
  const take = (
    endpoint: string,
    account: string | undefined,
    names: readonly FaultName[],
    filter?: (fault: Fault) => boolean,
  ) => faults.take(P, endpoint, account, names, filter);

  /** Generic faults every endpoint honours: latency, challenge, 429, 5xx, dropped connections. */
  async function genericFault(
    endpoint: string,
    req: FastifyRequest,
    reply: FastifyReply,
    account?: string,
  ): Promise<boolean> {
    const delay = take(endpoint, account, ['latency'], (f) => f.stage !== 'after');
    if (delay?.latencyMs) {
      await sleep(delay.latencyMs);
      // Held in front of the origin: a client that gave up meanwhile never reaches it. Counted, so a test knows
      // the held request is over (`abandoned:<endpoint>` in the request counters).
      if (req.raw.socket?.destroyed) {
        state.count(`abandoned:${endpoint}`);
        return true;
      }
    }
    // On submit, 5xx and dropped connections strike after the job exists unless armed with stage 'before'.
    const beforeOnly = (f: Fault) =>
      endpoint !== 'submit' || f.stage === 'before' || !['server_error', 'network_drop'].includes(f.fault);
    const fault = take(
      endpoint,
      account,
      ['challenge', 'challenge_200', 'challenge_once', 'rate_limit', 'server_error', 'network_drop'],
      beforeOnly,
    );
    if (!fault) return false;
    return applyFault(fault, reply);
  }

  async function applyFault(fault: Fault, reply: FastifyReply): Promise<boolean> {
    if (fault.latencyMs) await sleep(fault.latencyMs);
    switch (fault.fault) {
      case 'challenge':
      case 'challenge_once':
        await reply.code(403).type('text/html').send(CHALLENGE_HTML);
        return true;
      case 'challenge_200':
        await reply.code(200).type('text/html').send(CHALLENGE_HTML);
        return true;
      case 'rate_limit':
        await reply.code(429).header('retry-after', '1').send({ message: 'Too many requests' });
        return true;
      case 'server_error':
        await reply.code(fault.status ?? 503).send({ message: 'Service unavailable' });
        return true;
      case 'network_drop':
        dropMidResponse(reply, 'application/json', '{"success":[{"job_id":"');
        return true;
      default:
        return false;
    }
  }

  function sessionOf(req: FastifyRequest): MjAccount | undefined {
    const account = state.byIdToken(parseCookies(req.headers.cookie)[ID_COOKIE]);
    if (!account) return undefined;
    return faults.has(P, 'api', account.name, 'unauthorized') ? undefined : account;
  }

  async function apiAuth(req: FastifyRequest, reply: FastifyReply, endpoint: string): Promise<MjAccount | undefined> {
    state.count(endpoint);
    const account = sessionOf(req);
    if (await genericFault(endpoint, req, reply, account?.name)) return undefined;
    if (!account || req.headers['x-csrf-protection'] !== '1') {
      await reply.code(401).send({ error: 'Unauthorized', message: 'Not authenticated' });
      return undefined;
    }
    return account;
  }

  app.get('/', async (_req, reply) => reply.redirect('/imagine'));
  app.get('/login', async (_req, reply) =>
    reply
      .type('text/html')
      .send('<html><body><h1>Log in</h1><a href="/login?provider=google">Continue with Google</a></body></html>'),
  );

  app.get('/imagine', async (req, reply) => {
    state.count('page');
    const cookies = parseCookies(req.headers.cookie);
    const refreshable = state.byRefreshToken(cookies[REFRESH_COOKIE]);
    const onceChallenge = faults.take(P, 'page', refreshable?.name, ['challenge_once']);
    if (onceChallenge) return reply.code(403).type('text/html').send(CHALLENGE_HTML);
    if (await genericFault('page', req, reply, refreshable?.name)) return;
    const account = sessionOf(req);
    if (account) {
      return reply.type('text/html').send(`<!DOCTYPE html><html><head><title>Midjourney</title></head><body>
<nav><a href="/imagine"><p class="relative truncate text-sm font-semibold">Create</p></a></nav>
<div class="flex shrink-0 rounded-xl border border-light-100 bg-light-input"><textarea id="desktop_input_bar" placeholder="What will you imagine?"></textarea></div>
<script>
  // The web app's own calls, with window.fetch and the CSRF header (adapters wrap fetch the same way).
  fetch('/api/user-mutable-state', { headers: { 'x-csrf-protection': '1' }, credentials: 'include' });
</script></body></html>`);
    }
    // The web app refreshes an expired id token with the refresh cookie, then reloads; login links appear only
    // when that fails.
    return reply.type('text/html').send(`<!DOCTYPE html><html><head><title>Midjourney</title></head><body>
<div id="loading">Loading…</div>
<script>
  fetch('/__auth/refresh', { method: 'POST', credentials: 'include' }).then((res) => {
    if (res.ok) { location.reload(); return; }
    document.getElementById('loading').outerHTML = '<a href="/login">Log in</a> <a href="/login?signup=1">Sign up</a>';
  });
</script></body></html>`);
  });

  // Stand-in for securetoken.googleapis.com: rotates both tokens; 400 when the session was revoked.
  app.post('/__auth/refresh', async (req, reply) => {
    state.count('refresh');
    const account = state.byRefreshToken(parseCookies(req.headers.cookie)[REFRESH_COOKIE]);
    if (
      !account ||
      account.revoked ||
      faults.has(P, 'refresh', account.name, 'revoked') ||
      faults.has(P, 'any', account.name, 'revoked')
    ) {
      return reply.code(400).send({ error: { code: 400, message: 'TOKEN_EXPIRED' } });
    }
    if (faults.has(P, 'api', account.name, 'unauthorized')) {
      return reply.code(400).send({ error: { code: 400, message: 'USER_DISABLED' } });
    }
    state.rotate(account);
    setSessionCookies(reply, account);
    return {
      access_token: account.idToken,
      expires_in: state.timing.tokenLifetimeS,
      refresh_token: account.refreshToken,
      id_token: account.idToken,
      user_id: account.userId,
    };
  });

  // The web app's session login (pub): the session's own Firebase tokens in, `authUser` (with the websocket's
  // token) out.
  app.post('/api/firebase-login', async (req, reply) => {
    const account = await apiAuth(req, reply, 'firebase-login');
    if (!account) return;
    const cookie = ((req.body ?? {}) as { cookie?: { idToken?: string; refreshToken?: string } }).cookie;
    if (cookie?.idToken !== account.idToken || (cookie.refreshToken && cookie.refreshToken !== account.refreshToken)) {
      return reply.code(401).send({ error: 'Unauthorized', message: 'Invalid Firebase tokens' });
    }
    return {
      authUser: {
        id: account.userId,
        websocketToken: account.websocketToken,
        abilities: { can_private: true, can_relax: true },
        subscription: { type: 'standard' },
        userFlags: { settings: { speed: 'fast', visibility: 'public' } },
      },
    };
  });

  app.get('/api/user-mutable-state', async (req, reply) => {
    const account = await apiAuth(req, reply, 'user-mutable-state');
    if (!account) return;
    return {
      subscription_type: 'standard',
      fast_time_remaining: 12.5,
      relax_enabled: true,
      stealth_enabled: false,
      settings: { speed: 'fast', visibility: 'public' },
    };
  });

  app.post('/api/submit-jobs', async (req, reply) => {
    const account = await apiAuth(req, reply, 'submit');
    if (!account) return;
    const body = (req.body ?? {}) as Record<string, any>;
    const failure = (type: string, message: string) => reply.send({ success: [], failure: [{ type, message }] });
    if (body.channelId !== `singleplayer_${account.userId}`) {
      return reply.code(403).send({ error: 'Forbidden', message: 'Channel does not belong to this user' });
    }
    const mode = body.f?.mode;
    if (!['fast', 'relax', 'relaxed', 'turbo'].includes(mode)) {
      return failure('invalid_parameter', `Invalid mode ${String(mode)}`);
    }
    if (take('submit', account.name, ['queue_full'])) return failure('queue_full', 'Job queue is full');
    const t = String(body.t);
    state.countSubmit(t);
    let prompt: string;
    let kind: 'image' | 'video';
    let batch = 4;
    let parent: MjJob | undefined;
    /** A follow-up's parent: this account's own finished job (other accounts' jobs do not exist for it). */
    const parentOf = (id: unknown): MjJob | string => {
      const job = state.jobs.get(String(id));
      if (!job || job.account !== account.name) return 'Unknown parent job';
      if (state.state(job) !== 'completed') return 'Parent job is not completed';
      return job;
    };
    // Grid cells are 0–3 on the site (PROVIDERS.md §7: settle it in one place and refuse the other form).
    const cell = (index: unknown, of: MjJob) =>
      Number.isInteger(index) && (index as number) >= 0 && (index as number) < Math.min(4, of.batchSize);
    if (t === 'imagine') {
      prompt = String(body.prompt ?? '');
      kind = 'image';
    } else if (t === 'video') {
      prompt = String(body.newPrompt ?? '');
      kind = 'video';
      const videoType = String(body.videoType ?? '');
      if (!/^vid_1\.1_i2v_(start_end_|extend_)?(480|720)$/.test(videoType)) {
        return failure('invalid_parameter', 'Invalid videoType');
      }
      if (body.parentJob !== null && body.parentJob !== undefined) {
        const found = parentOf(body.parentJob.job_id);
        if (typeof found === 'string') return failure('invalid_parameter', found);
        const extend = videoType.includes('_extend_');
        if (extend !== (found.kind === 'video')) {
          return failure('invalid_parameter', extend ? 'Only a video can be extended' : 'Animate needs an image');
        }
        if (!cell(body.parentJob.image_num, found)) return failure('invalid_parameter', 'Invalid image_num');
        parent = found;
      } else if (!/^https?:\/\//.test(prompt)) {
        return failure('invalid_parameter', 'A video needs a start image');
      }
      if (videoType.includes('start_end_') && !/--end \S+/.test(prompt)) {
        return failure('invalid_parameter', 'A start-end video needs --end');
      }
    } else if (['vary', 'upscale', 'pan', 'reroll', 'remix'].includes(t)) {
      const found = parentOf(body.id);
      if (typeof found === 'string') return failure('invalid_parameter', found);
      if (found.kind !== 'image') return failure('invalid_parameter', `Cannot ${t} a video`);
      parent = found;
      if (t !== 'reroll' && !cell(body.index, found)) return failure('invalid_parameter', 'Invalid index');
      if (t === 'upscale') {
        if (!['v7_2x_subtle', 'v7_2x_creative'].includes(body.type)) {
          return failure('invalid_parameter', 'Invalid type');
        }
        if (found.t === 'upscale') return failure('invalid_parameter', 'Cannot upscale an upscale');
        batch = 1;
      }
      if ((t === 'vary' || t === 'remix') && typeof body.strong !== 'boolean') {
        return failure('invalid_parameter', 'strong must be a boolean');
      }
      if (t === 'remix' && !String(body.newPrompt ?? '').trim()) return failure('invalid_parameter', 'Empty prompt');
      if (t === 'pan') {
        if (![0, 1, 2, 3].includes(body.direction) || body.fraction !== 0.5 || body.stitch !== true) {
          return failure('invalid_parameter', 'Invalid pan');
        }
      }
      prompt = String(body.newPrompt ?? found.prompt);
      kind = 'image';
    } else return failure('invalid_parameter', `Unknown job type ${t}`);
    if (!prompt.trim()) return failure('invalid_parameter', 'Empty prompt');

    const parsed = parsePrompt(prompt);
    const invalid = invalidFlag(parsed);
    if (invalid) return failure('invalid_parameter', invalid);
    if (prompt.includes('[[moderate]]') || take('submit', account.name, ['moderation'])) {
      return failure(
        'moderation',
        'Sorry! Our AI moderator thinks this prompt is probably against our community standards.',
      );
    }
    const softban = prompt.includes('[[softban]]') || !!take('submit', account.name, ['softban']);
    const { width, height } =
      kind === 'video'
        ? { width: 624, height: 624 }
        : parent
          ? { width: parent.width * (t === 'upscale' ? 2 : 1), height: parent.height * (t === 'upscale' ? 2 : 1) }
          : sizeOf(String(parsed.flags.get('ar') ?? parsed.flags.get('aspect') ?? '1:1'));
    const batchSize = kind === 'video' ? Number(parsed.flags.get('bs') ?? 4) : batch;
    const now = Date.now();
    const running = state.running(account.name, now);
    const job: MjJob = {
      job_id: randomUUID(),
      account: account.name,
      t,
      ...(parent ? { parentId: parent.job_id } : {}),
      prompt,
      echo: normaliseEcho(prompt),
      mode,
      kind,
      width,
      height,
      batchSize,
      submittedAt: now,
      completesAt: now + state.renderMs(mode, kind) * (prompt.includes('[[slow]]') ? 5 : 1),
      marker:
        prompt.includes('[[stuck]]') || faults.has(P, 'status', account.name, 'stuck')
          ? 'stuck'
          : prompt.includes('[[fail]]')
            ? 'fail'
            : // Accepted now, moderated halfway through the render (the later `moderated` status).
              prompt.includes('[[moderate_later]]') || take('submit', account.name, ['moderated'])
              ? 'moderated'
              : undefined,
      statusRequests: 0,
      cdnRequests: 0,
      isQueued: running >= state.timing.runningLimit,
    };
    if (!softban) state.add(job);
    // Faults after acceptance: the answer is late (latency stage 'after'), a 5xx from the edge, or the connection
    // dies before the answer arrives. The job exists either way; only the provider's job list tells.
    const after = take('submit', account.name, ['latency', 'server_error', 'network_drop'], (f) =>
      f.fault === 'latency' ? f.stage === 'after' : f.stage !== 'before',
    );
    if (after?.latencyMs) await sleep(after.latencyMs);
    if (after?.fault === 'server_error') {
      return reply.code(after.status ?? 503).send({ message: 'Service unavailable' });
    }
    if (after?.fault === 'network_drop') {
      dropMidResponse(reply, 'application/json', `{"success":[{"job_id":"${job.job_id.slice(0, 8)}`);
      return;
    }
    return reply.send({
      success: [
        {
          job_id: job.job_id,
          prompt: job.echo,
          is_queued: job.isQueued,
          softban,
          event_type: kind === 'video' ? 'video_diffusion' : 'diffusion',
          job_type: kind === 'video' ? 'vid_1.1_i2v_480' : 'v7_diffusion',
          flags: { mode: mode === 'relax' ? 'relaxed' : mode, visibility: body.f?.private ? 'stealth' : 'public' },
          meta: {
            height,
            width,
            batch_size: batchSize,
            parent_id: parent?.job_id ?? null,
            parent_grid: body.index ?? body.parentJob?.image_num ?? null,
          },
          optimisticJobIndex: 0,
        },
      ],
      failure: [],
    });
  });

  app.post('/api/job-status', async (req, reply) => {
    const account = await apiAuth(req, reply, 'status');
    if (!account) return;
    const ids: unknown = (req.body as { jobIds?: unknown })?.jobIds;
    if (!Array.isArray(ids)) return reply.code(400).send({ error: 'jobIds must be an array' });
    const now = Date.now();
    return ids.flatMap((id) => {
      const job = state.jobs.get(String(id));
      if (!job || job.account !== account.name) return [];
      job.statusRequests++;
      if (faults.has(P, 'status', account.name, 'stuck')) job.marker ??= 'stuck';
      const s = state.state(job, now);
      return [
        {
          id: job.job_id,
          current_status: job.isQueued && now - job.submittedAt < 200 ? 'queued' : s,
          percentage_complete: state.progress(job, now),
          batch_size: job.batchSize,
          event_type: job.kind === 'video' ? 'video_diffusion' : 'diffusion',
          full_command: job.echo,
          width: job.width,
          height: job.height,
        },
      ];
    });
  });

  app.get('/api/imagine', async (req, reply) => {
    const account = await apiAuth(req, reply, 'feed');
    if (!account) return;
    const query = req.query as { page_size?: string; cursor?: string; user_id?: string };
    if (query.user_id && query.user_id !== account.userId) return reply.code(403).send({ error: 'Forbidden' });
    const size = Math.min(100, Number(query.page_size ?? 50) || 50);
    const all = [...state.jobs.values()]
      .filter((j) => j.account === account.name)
      .sort((a, b) => b.submittedAt - a.submittedAt);
    const start = query.cursor ? Number(Buffer.from(query.cursor, 'base64url').toString()) : 0;
    const page = all.slice(start, start + size);
    const now = Date.now();
    return {
      data: page.map((j) => ({
        id: j.job_id,
        full_command: j.echo,
        event_type: j.kind === 'video' ? 'video_diffusion' : 'diffusion',
        job_type: 'v7_diffusion',
        percentage_complete: state.progress(j, now),
        enqueue_time: new Date(j.submittedAt).toISOString(),
        current_status: state.state(j, now),
        batch_size: j.batchSize,
      })),
      cursor: start + size < all.length ? Buffer.from(String(start + size)).toString('base64url') : null,
    };
  });

  app.get('/api/user-queue', async (req, reply) => {
    const account = await apiAuth(req, reply, 'user-queue');
    if (!account) return;
    const now = Date.now();
    const jobs = [...state.jobs.values()].filter(
      (j) => j.account === account.name && state.state(j, now) === 'running',
    );
    return {
      running: jobs.filter((j) => !j.isQueued).map((j) => ({ job_id: j.job_id })),
      waiting: jobs.filter((j) => j.isQueued).map((j) => ({ job_id: j.job_id })),
    };
  });

  app.post('/api/storage-upload-file', async (req, reply) => {
    const account = await apiAuth(req, reply, 'upload');
    if (!account) return;
    const file = multipartFile(req);
    if (!file) return reply.code(400).send({ error: 'file is required' });
    const code = randomBytes(6).toString('base64url');
    const bucketPathname = `${account.userId}/${randomUUID()}.${file.contentType.includes('jpeg') ? 'jpg' : 'png'}`;
    state.uploads.set(code, { code, bucketPathname, bytes: file.bytes, contentType: file.contentType });
    return { shortUrl: `${origins.links}/${code}`, bucketPathname };
  });

  app.post('/api/describe', async (req, reply) => {
    const account = await apiAuth(req, reply, 'describe');
    if (!account) return;
    const imageUrl = (req.body as { image_url?: unknown } | undefined)?.image_url;
    if (typeof imageUrl !== 'string' || !/^https?:\/\//.test(imageUrl)) {
      return reply.code(400).send({ error: 'image_url is required' });
    }
    // Midjourney describes what it can fetch: an upload of this account (short link or CDN path).
    const upload = [...state.uploads.values()].find(
      (u) => imageUrl.endsWith(`/${u.code}`) || imageUrl.endsWith(`/u/${u.bucketPathname}`),
    );
    if (!upload) return reply.code(400).send({ error: 'image_url cannot be fetched' });
    state.describes++;
    const png = upload.bytes.length > 24 && upload.bytes.readUInt32BE(0) === 0x89504e47;
    const ar = png ? `${upload.bytes.readUInt32BE(16)}:${upload.bytes.readUInt32BE(20)}` : '1:1';
    return {
      data: {
        descriptions: [1, 2, 3, 4].map((n) => `simulated description ${n} of a ${upload.contentType} image --ar ${ar}`),
      },
    };
  });
}

/** Minimal multipart/form-data reader for the one `file` field the upload endpoint takes. */
function multipartFile(req: FastifyRequest): { bytes: Buffer; contentType: string } | null {
  const type = req.headers['content-type'] ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  const body = req.body;
  if (!boundary || !Buffer.isBuffer(body)) return null;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString();
    if (/name="file"/.test(headers)) {
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream';
      return { bytes: Buffer.from(part.subarray(headerEnd + 4)), contentType };
    }
    start = next;
  }
  return null;
}
