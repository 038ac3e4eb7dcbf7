import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { crc32 } from 'node:zlib';
import { colourOf, solidPng } from '../common/png.js';
import { parseMultipart } from '../common/multipart.js';
import { CHALLENGE_HTML, type Fault, type FaultName, type FaultRegistry } from '../faults/faults.js';
import { parseCookies } from '../midjourney/midjourney-app.js';
import { signedInPage, signedOutPage } from './ideogram-pages.js';
import { IDEOGRAM_BASE_MS, type IdeoAccount, type IdeoRequest, type IdeogramState } from './ideogram-state.js';

export const SESSION_COOKIE = 'session_cookie';
const P = 'ideogram';
const RESOLUTIONS = new Set([
  '1024x1024',
  '1312x736',
  '736x1312',
  '1280x800',
  '800x1280',
  '1248x832',
  '832x1248',
  '1152x864',
  '864x1152',
  '1120x890',
  '890x1120',
]);
/**
 * The vocabularies this stand-in knows (PROVIDERS.md §3.5, §7). The real site refuses what it does not offer; here an
 * unknown value is a 400 with the field named, so clients see how a passed-through value fails.
 */
const STYLES = new Set(['AUTO', 'DEFAULT', 'PHOTO', 'ILLUSTRATION', 'RENDER_3D', 'ANIME', 'DESIGN']);
const MAGIC_PROMPTS = new Set(['AUTO', 'ON', 'OFF']);
const MODEL_VERSIONS = new Set(['V_0_3', 'V_1_5', 'V_3_0', 'V_3_1', 'AUTO']);
/** Upscaled outputs are capped (the real site renders up to 8K; the simulator keeps files small). */
const MAX_SIDE = 2048;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function ideogramSessionCookies(account: IdeoAccount, host: string) {
  return [
    {
      name: SESSION_COOKIE,
      value: account.session,
      domain: host,
      path: '/',
      expires: Math.floor(Date.now() / 1000) + 30 * 24 * 3600,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    },
  ];
}

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

/** The ideogram.ai stand-in: pages, a Firebase-like token refresh, and the `/api/*` the web app uses. */
export function registerIdeogramApp(app: FastifyInstance, state: IdeogramState, faults: FaultRegistry) {
  const take = (endpoint: string, account: string | undefined, names: readonly FaultName[]) =>
    faults.take(P, endpoint, account, names);
  // The Firebase token refresh posts a form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  async function applyFault(fault: Fault, req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (fault.latencyMs) await sleep(fault.latencyMs);
    switch (fault.fault) {
      case 'challenge':
        await reply.code(403).type('text/html').send(CHALLENGE_HTML);
        return true;
      case 'challenge_200':
        await reply.code(200).type('text/html').send(CHALLENGE_HTML);
        return true;
      case 'rate_limit':
        await reply.code(429).header('retry-after', '1').send({ detail: 'Too many requests' });
        return true;
      case 'server_error':
        await reply.code(503).send({ detail: 'Service unavailable' });
        return true;
      case 'network_drop':
        req.raw.socket.destroy();
        return true;
      default:
        return false; // slow_cdn: latency only
    }
  }

  async function genericFault(endpoint: string, req: FastifyRequest, reply: FastifyReply, account?: string) {
    const fault = take(endpoint, account, [
      'challenge',
      'challenge_200',
      'rate_limit',
      'server_error',
      'slow_cdn',
      // On submit the connection is cut after the request was accepted (below), not before.
      ...(endpoint === 'submit' ? [] : (['network_drop'] as const)),
    ]);
    return fault ? applyFault(fault, req, reply) : false;
  }

  function sessionOf(req: FastifyRequest): IdeoAccount | undefined {
    const account = state.bySession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!account || faults.has(P, 'api', account.name, 'unauthorized')) return undefined;
    return account;
  }

  /**
   * `/api/*` auth as seen today: the session cookie plus `x-ideo-org` of that account, or a Bearer token (which then
   * names the account). A Bearer that is present must be valid: an expired one is a 401, whatever the cookie says.
   */
  async function apiAuth(req: FastifyRequest, reply: FastifyReply, endpoint: string) {
    state.count(endpoint);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const checked = bearer ? state.checkToken(bearer) : undefined;
    const cookieAccount = sessionOf(req);
    let account = checked?.account ?? cookieAccount;
    if (account && faults.has(P, 'api', account.name, 'unauthorized')) account = undefined;
    if (await genericFault(endpoint, req, reply, account?.name)) return undefined;
    if (account && take(endpoint, account.name, ['token_expired'])) state.expireTokens(account);
    const deny = async (detail: string) => {
      await reply.code(401).send({ detail });
      return undefined;
    };
    if (!account) return deny('Not authenticated');
    if (bearer) {
      if (state.checkToken(bearer).state !== 'valid') {
        state.rejectedTokens++;
        return deny(checked?.state === 'unknown' ? 'Invalid token' : 'Token expired');
      }
      return account;
    }
    if (state.timing.requireBearer) return deny('Missing bearer token');
    if (req.headers['x-ideo-org'] !== account.orgId) {
      await reply.code(403).send({ detail: 'Missing or wrong organization (x-ideo-org)' });
      return undefined;
    }
    return account;
  }

  // ------------------------------------------------------------------ pages

  async function page(req: FastifyRequest, reply: FastifyReply) {
    state.count('page');
    const cookieAccount = state.bySession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (take('page', cookieAccount?.name, ['challenge_once'])) {
      return reply.code(403).type('text/html').send(CHALLENGE_HTML);
    }
    if (await genericFault('page', req, reply, cookieAccount?.name)) return;
    const account = sessionOf(req);
    return reply.type('text/html').send(account ? signedInPage(account) : signedOutPage());
  }

  app.get('/', async (_req, reply) => reply.redirect('/t/explore'));
  for (const path of ['/t/explore', '/t/my-images', '/library', '/library/my-images', '/g/:requestId/:n']) {
    app.get(path, page);
  }
  app.get('/login', async (_req, reply) => reply.type('text/html').send(signedOutPage()));

  // Stand-in for securetoken.googleapis.com (refresh_token grant); `grant_type=session` restores a token from the
  // session cookie, as signing in on a fresh profile would. 400 when the session was revoked.
  app.post('/__auth/token', async (req, reply) => {
    state.count('token');
    const raw = req.body;
    const form = new URLSearchParams(typeof raw === 'string' ? raw : '');
    const grant = form.get('grant_type');
    const account =
      grant === 'refresh_token' ? state.byRefreshToken(form.get('refresh_token') ?? undefined) : sessionOf(req);
    if (
      !account ||
      account.revoked ||
      faults.has(P, 'refresh', account.name, 'revoked') ||
      faults.has(P, 'api', account.name, 'unauthorized')
    ) {
      return reply.code(400).send({ error: { code: 400, message: 'TOKEN_EXPIRED' } });
    }
    const issued = state.issueToken(account);
    state.tokenRefreshes++;
    return {
      access_token: issued.token,
      expires_in: String(state.timing.tokenLifetimeS),
      token_type: 'Bearer',
      refresh_token: account.refreshToken,
      id_token: issued.token,
      user_id: account.userId,
      project_id: 'ideogram-sim',
    };
  });

  // The original's third-party token source (IDEOGRAM_TOKEN_URL): `{access_token, expires_in}`.
  app.get('/__token/:account', async (req, reply) => {
    state.tokenSourceRequests++;
    const account = state.accounts.get((req.params as { account: string }).account);
    if (!account) return reply.code(404).send({ error: 'unknown account' });
    const issued = state.issueToken(account);
    return { access_token: issued.token, expires_in: state.timing.tokenLifetimeS };
  });

  // ------------------------------------------------------------------ account and quota

  app.post('/api/account/login', async (req, reply) => {
    const account = await apiAuth(req, reply, 'login');
    if (!account) return;
    return {
      user_model: {
        user_id: account.userId,
        display_handle: account.handle,
        photo_url: null,
        subscription_plan_id: 'PLAN_FREE',
      },
      subscription_status: { plan: 'FREE', is_active: true },
      enabled_features: { features: [] },
    };
  });

  app.get('/api/account/user_task_quota_stats', async (req, reply) => {
    const account = await apiAuth(req, reply, 'quota');
    if (!account) return;
    const now = Date.now();
    const slotTaken = !!take('quota', account.name, ['inflight_limit']);
    const exhausted =
      !!take('quota', account.name, ['quota_exhausted']) || (account.credits !== null && account.credits <= 0);
    const inflight = state.inflight(account.name, now) + (slotTaken ? state.timing.maxInflight : 0);
    const max = state.timing.maxInflight;
    return {
      slow_credit_max: -1,
      slow_credit_balance: account.credits ?? 0,
      date_when_slow_credits_refresh: new Date(now + 24 * 3600 * 1000).toISOString(),
      subscription_priority_credit_max: 400,
      subscription_priority_credit_balance: account.credits ?? 400,
      subscription_priority_sticky_credit_balance: 0,
      allowed_to_generate: !exhausted && inflight < max,
      inflight_requests: inflight,
      max_inflight_requests: max,
      task_completion_speed: 'SLOW',
      reject_reason: exhausted ? 'OUT_OF_CREDITS' : inflight >= max ? 'MAX_INFLIGHT_REQUESTS' : null,
      exhausted_features: exhausted ? ['GENERATE'] : null,
    };
  });

  app.post('/api/generations/getRequestStats', async (req, reply) => {
    const account = await apiAuth(req, reply, 'request-stats');
    if (!account) return;
    const inflight = state.inflight(account.name);
    return {
      queued_requests: [
        { queue_type: 'BATCH', active_requests_in_queue: 0 },
        { queue_type: 'FAST', active_requests_in_queue: 0 },
        { queue_type: 'SLOW', active_requests_in_queue: inflight },
      ],
      requests_in_progress: inflight,
    };
  });

  app.post('/api/e/submit', async () => ({ success: true }));

  // ------------------------------------------------------------------ generation

  app.post('/api/images/sample', async (req, reply) => {
    const account = await apiAuth(req, reply, 'submit');
    if (!account) return;
    const body = (req.body ?? {}) as Record<string, any>;
    const bad = (detail: string) => reply.code(400).send({ detail });
    if (body.user_id !== account.userId) return bad('user_id is required and must be yours');
    const parent = body.parent && typeof body.parent === 'object' ? (body.parent as Record<string, any>) : null;
    const type = (parent?.type ?? 'GENERATE') as IdeoRequest['type'];
    if (!['GENERATE', 'VARIATION', 'REMIX', 'SUPER_RES'].includes(type)) return bad(`Unknown parent type ${type}`);
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    if (type !== 'SUPER_RES' && !prompt.trim()) return bad('prompt is required');
    for (const [field, known] of [
      ['style_expert', STYLES],
      ['style_type', STYLES],
      ['use_autoprompt_option', MAGIC_PROMPTS],
      ['model_version', MODEL_VERSIONS],
    ] as const) {
      if (body[field] !== undefined && !known.has(String(body[field]))) {
        return bad(`Unknown ${field} ${JSON.stringify(body[field])}`);
      }
    }
    const numImages = Number(body.num_images ?? 1);
    if (!Number.isInteger(numImages) || numImages < 1 || numImages > 4) return bad('num_images must be 1-4');
    let width = Number(body.resolution?.width ?? 1024);
    let height = Number(body.resolution?.height ?? 1024);
    if (type === 'VARIATION' || type === 'REMIX') {
      const upload = state.uploads.get(String(parent?.image_id));
      if (!upload || upload.account !== account.name) return bad('parent.image_id is not one of your uploads');
      const weight = Number(parent?.weight);
      if (!Number.isInteger(weight) || weight < 1 || weight > 100) return bad('parent.weight must be 1-100');
    }
    if (type === 'SUPER_RES') {
      const factor = body.upscale_factor === 'X2' ? 2 : body.upscale_factor === 'X4' ? 4 : 0;
      if (!factor) return bad('upscale_factor must be X2 or X4');
      const source = parent?.response_id
        ? state.assets.get(String(parent.response_id))
        : state.uploads.get(String(parent?.image_id));
      if (!source) return bad('parent is not a known response or upload');
      const scale = Math.min(factor, MAX_SIDE / Math.max(source.width, source.height));
      width = Math.max(1, Math.round(source.width * scale));
      height = Math.max(1, Math.round(source.height * scale));
    } else if (!RESOLUTIONS.has(`${width}x${height}`)) {
      return bad(`resolution ${width}x${height} is not offered`);
    }
    const exhausted =
      !!take('submit', account.name, ['quota_exhausted']) || (account.credits !== null && account.credits <= 0);
    if (exhausted) {
      return reply.code(429).send({ detail: 'Out of credits', reject_reason: 'OUT_OF_CREDITS' });
    }
    const slotTaken = !!take('submit', account.name, ['inflight_limit']);
    if (slotTaken || state.inflight(account.name) >= state.timing.maxInflight) {
      return reply.code(429).send({
        detail: 'Too many in-flight requests for your plan',
        reject_reason: 'MAX_INFLIGHT_REQUESTS',
      });
    }
    if (prompt.includes('[[moderate]]') || take('submit', account.name, ['moderation'])) {
      return {
        user_id: account.userId,
        caption: prompt,
        request_id: null,
        response_ids: [],
        rejected_prompt_id: `rej_${Date.now().toString(36)}`,
        status: 'REJECTED',
      };
    }
    const stuck = prompt.includes('[[stuck]]') || faults.has(P, 'status', account.name, 'stuck');
    const errored = prompt.includes('[[error]]') || !!take('submit', account.name, ['errored']);
    const unsafe = prompt.includes('[[unsafe]]');
    const base = type === 'SUPER_RES' ? IDEOGRAM_BASE_MS.upscale : IDEOGRAM_BASE_MS.generate;
    const request = state.createRequest({
      account: account.name,
      type,
      prompt,
      parent,
      numImages,
      width,
      height,
      modelVersion: String(body.model_version ?? 'AUTO'),
      magicPrompt: String(body.use_autoprompt_option ?? 'AUTO'),
      styleExpert: String(body.style_expert ?? body.style_type ?? 'AUTO'),
      durationMs: state.scaled(base) * (prompt.includes('[[slow]]') ? 5 : 1),
      ...(stuck ? { marker: 'stuck' as const } : {}),
      ...(errored || unsafe
        ? {
            marker: 'errored' as const,
            errorReason: unsafe
              ? 'Your prompt was flagged by our safety filter'
              : 'Something went wrong while generating',
          }
        : {}),
    });
    // network_drop on submit: the request is accepted, then the connection dies in the middle of the answer. (Cut
    // before any byte, Chromium would silently send the POST again on a fresh connection.)
    if (take('submit', account.name, ['network_drop'])) {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      reply.raw.write(`{"user_id":"${account.userId}","request_id":`, () => req.raw.socket.destroy());
      return;
    }
    const d = gcd(width, height);
    return {
      user_id: account.userId,
      caption: prompt,
      request_id: request.request_id,
      response_ids: [],
      rejected_prompt_id: null,
      status: null,
      aspect_ratio: `${width / d}:${height / d}`,
      seed: request.seed,
      style_reference_collection_ids: [],
      character_reference_collection_ids: [],
      product_reference_collection_ids: [],
    };
  });

  function samplingEntry(request: IdeoRequest, account: IdeoAccount, now: number) {
    const view = state.view(request, now);
    return {
      user: {
        user_id: account.userId,
        photo_url: null,
        display_handle: account.handle,
        subscription_plan_id: 'PLAN_FREE',
        badge: null,
      },
      user_prompt: request.prompt,
      user_negative_prompt: '',
      private: true,
      request_id: request.request_id,
      request_type: request.type,
      responses: view.is_completed
        ? request.responseIds.map((id, i) => ({
            response_id: id,
            prompt: request.prompt,
            self_like: false,
            num_likes: 0,
            highest_fidelity: false,
            pin_on_profile: false,
            cover: i === 0,
            is_autoprompt: request.magicPrompt === 'ON',
            private: true,
            descriptions: [],
            tags: [],
            response_index: i,
          }))
        : [],
      creation_time_float: request.submittedAt / 1000,
      user_hparams: { aspect_ratio: `${request.width}x${request.height}` },
      seed: request.seed,
      aspect_ratio: `${request.width}x${request.height}`,
      model_version: request.type === 'SUPER_RES' ? 'EXTERNAL_MODEL' : request.modelVersion,
      model_uri: `model/${request.modelVersion}/version/0`,
      autoprompt_loading: false,
      use_autoprompt: request.magicPrompt === 'ON',
      is_completed: view.is_completed,
      is_errored: view.is_errored,
      error_reason: view.error_reason,
      max_upscale_factor: 4,
      can_upscale: request.type !== 'SUPER_RES',
      image_resolution: view.is_completed ? (request.type === 'SUPER_RES' ? '8K' : '2K') : null,
      expected_number_of_final_responses: request.numImages,
      style_reference_collection_ids: [],
      use_random_style_codes: false,
      has_started: view.has_started,
      completion_percentage: view.completion_percentage,
      ...(view.is_completed
        ? { resolution: Math.max(request.width, request.height), height: request.height, width: request.width }
        : {}),
      ...(request.parent?.image_id ? { upload_parent: { image_id: request.parent.image_id } } : {}),
    };
  }

  app.post('/api/gallery/retrieve-requests', async (req, reply) => {
    const account = await apiAuth(req, reply, 'status');
    if (!account) return;
    const ids: unknown = (req.body as { request_ids?: unknown })?.request_ids;
    if (!Array.isArray(ids)) return reply.code(400).send({ detail: 'request_ids must be an array' });
    const now = Date.now();
    const stuck = faults.has(P, 'status', account.name, 'stuck');
    return {
      sampling_requests: ids.flatMap((id) => {
        const request = state.requests.get(String(id));
        if (!request || request.account !== account.name) return [];
        request.pollRequests++;
        if (stuck && !state.view(request, now).is_completed) request.marker ??= 'stuck';
        return [samplingEntry(request, account, now)];
      }),
    };
  });

  // Legacy poll the original used; same state.
  app.get('/api/images/retrieve_metadata_request_id/:id', async (req, reply) => {
    const account = await apiAuth(req, reply, 'legacy-status');
    if (!account) return;
    const request = state.requests.get((req.params as { id: string }).id);
    if (!request || request.account !== account.name) return reply.code(404).send({ detail: 'Request not found' });
    request.legacyPolls++;
    const entry = samplingEntry(request, account, Date.now());
    return { ...entry, resolution: entry.is_completed ? 1024 : 0 };
  });

  app.get('/api/g/u', async (req, reply) => {
    const account = await apiAuth(req, reply, 'gallery');
    if (!account) return;
    const query = req.query as { user_id?: string };
    // Another user's gallery shows only their public images; every generation here is private.
    if (query.user_id && query.user_id !== account.userId) return { results: [] };
    const now = Date.now();
    const mine = [...state.requests.values()]
      .filter((r) => r.account === account.name)
      .sort((a, b) => b.submittedAt - a.submittedAt)
      .slice(0, 100);
    return {
      results: mine.map((r) => {
        const entry = samplingEntry(r, account, now);
        return {
          request_id: r.request_id,
          user_prompt: r.prompt,
          request_type: r.type,
          creation_time_float: entry.creation_time_float,
          is_completed: entry.is_completed,
          responses: entry.responses.map((x) => ({ response_id: x.response_id })),
          ...(entry.upload_parent ? { upload_parent: entry.upload_parent } : {}),
        };
      }),
    };
  });

  // ------------------------------------------------------------------ uploads, describe, background removal

  app.post('/api/uploads/upload', async (req, reply) => {
    const account = await apiAuth(req, reply, 'upload');
    if (!account) return;
    const parts = parseMultipart(req.headers['content-type'], req.body);
    const file = parts?.find((p) => p.name === 'file' && p.data.length > 0);
    if (!file) return reply.code(400).send({ success: false, error_message: 'file is required' });
    const uploadType = parts?.find((p) => p.name === 'upload_type')?.data.toString();
    if (uploadType && uploadType !== 'UPLOAD') {
      return reply.code(400).send({ success: false, error_message: `Unknown upload_type ${uploadType}` });
    }
    await state.work(IDEOGRAM_BASE_MS.upload);
    const upload = state.addUpload(account.name, file.data, file.contentType ?? 'application/octet-stream');
    return {
      success: true,
      error_message: null,
      id: upload.id,
      asset_id: null,
      canvas_transaction_id: null,
      file_name: file.filename ?? 'upload',
    };
  });

  app.get('/api/images/retrieve_metadata_upload_id/:id', async (req, reply) => {
    const account = await apiAuth(req, reply, 'upload-metadata');
    if (!account) return;
    const upload = state.uploads.get((req.params as { id: string }).id);
    if (!upload || upload.account !== account.name) return reply.code(404).send({ detail: 'Upload not found' });
    const d = gcd(upload.width, upload.height);
    return {
      image_id: upload.id,
      user: { user_id: account.userId, display_handle: account.handle },
      private: true,
      creation_time_float: upload.createdAt / 1000,
      height: upload.height,
      width: upload.width,
      aspect_ratio: `${upload.width / d}:${upload.height / d}`,
      upload_type: 'upload',
      descriptions: [],
      tags: [],
      max_upscale_factor: 4,
      can_upscale: true,
      image_resolution: '2K',
      format: 'PNG',
    };
  });

  app.post('/api/describe', async (req, reply) => {
    const account = await apiAuth(req, reply, 'describe');
    if (!account) return;
    const body = (req.body ?? {}) as { image_id?: string; captioner_model_version?: string };
    const upload = state.uploads.get(String(body.image_id));
    if (!upload || upload.account !== account.name) return reply.code(404).send({ detail: 'Image not found' });
    await state.work(IDEOGRAM_BASE_MS.describe);
    return [{ caption: state.caption(upload), captioner_model_version: body.captioner_model_version ?? 'V_3_0' }];
  });

  app.post('/api/images/masks/removeImageBackground', async (req, reply) => {
    const account = await apiAuth(req, reply, 'remove-background');
    if (!account) return;
    const body = (req.body ?? {}) as { asset_type?: string; asset_id?: string };
    const source =
      body.asset_type === 'UPLOAD'
        ? state.uploads.get(String(body.asset_id))
        : body.asset_type === 'RESPONSE'
          ? state.assets.get(String(body.asset_id))
          : undefined;
    if (!source) return reply.code(404).send({ detail: 'Asset not found' });
    await state.work(IDEOGRAM_BASE_MS.removeBackground);
    const asset = state.removeBackground(source);
    return { success: true, asset_id: asset.id, asset_type: 'RESPONSE', width: asset.width, height: asset.height };
  });

  // ------------------------------------------------------------------ downloads

  async function sendAsset(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    endpoint: string,
    options: { jpeg?: boolean; attachment?: boolean } = {},
  ) {
    const account = await apiAuth(req, reply, endpoint);
    if (!account) return;
    const asset = state.assets.get(id);
    if (!asset) return reply.code(404).send({ detail: 'Not found' });
    if (asset.requestId) {
      const request = state.requests.get(asset.requestId);
      if (request) request.downloadRequests++;
    }
    void reply.type(options.jpeg ? 'image/jpeg' : 'image/png').header('cache-control', 'no-cache');
    if (options.attachment) {
      void reply.header(
        'content-disposition',
        `attachment; filename=_${asset.id}_${asset.requestId ?? 'asset'}_cover_8k.png`,
      );
    }
    // Every format is served as a PNG body: enough for clients that store bytes.
    return reply.send(solidPng(asset.width, asset.height, colourOf(asset.colourKey)));
  }

  // The web app's bulk download (the original forwarded it as POST /api/d/images; shape unverified): one image as
  // itself, several as a zip of PNGs.
  app.post('/api/d/images', async (req, reply) => {
    const account = await apiAuth(req, reply, 'bulk-download');
    if (!account) return;
    const ids: unknown = (req.body as { image_ids?: unknown } | null)?.image_ids;
    if (!Array.isArray(ids) || ids.length === 0) return reply.code(400).send({ detail: 'image_ids is required' });
    const assets = ids.map((id) => state.assets.get(String(id)));
    if (assets.some((a) => !a)) return reply.code(404).send({ detail: 'Not found' });
    const files = assets.map((asset) => ({
      name: `${asset!.id}.png`,
      bytes: solidPng(asset!.width, asset!.height, colourOf(asset!.colourKey)),
    }));
    if (files.length === 1) return reply.type('image/png').send(files[0].bytes);
    return reply
      .type('application/zip')
      .header('content-disposition', 'attachment; filename=ideogram_images.zip')
      .send(storedZip(files));
  });

  app.get('/api/download/response/:id/image', async (req, reply) => {
    const quality = (req.query as { quality?: string }).quality;
    return sendAsset(req, reply, (req.params as { id: string }).id, 'download', {
      jpeg: !!quality && quality !== 'PNG',
      attachment: true,
    });
  });
  app.get('/api/images/direct/:id', async (req, reply) =>
    sendAsset(req, reply, (req.params as { id: string }).id, 'download'),
  );
  app.get('/assets/image/:kind/response/:id', async (req, reply) => {
    const { kind, id } = req.params as { kind: string; id: string };
    // Only the lossless and the plain balanced renditions exist here; others (e.g. @2k) are 404, as on the site.
    if (!['lossless', 'balanced'].includes(kind) || id.includes('@')) {
      return reply.code(404).send({ detail: 'Not found' });
    }
    return sendAsset(req, reply, id, 'download');
  });
}

/** A zip archive of the files, stored without compression (enough for clients that save or list it). */
export function storedZip(files: Array<{ name: string; bytes: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name);
    const crc = crc32(file.bytes);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(file.bytes.length, 18);
    local.writeUInt32LE(file.bytes.length, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4); // version made by
    entry.writeUInt16LE(20, 6); // version needed
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(file.bytes.length, 20);
    entry.writeUInt32LE(file.bytes.length, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, name, file.bytes);
    central.push(entry, name);
    offset += local.length + name.length + file.bytes.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
