import type { FastifyInstance } from 'fastify';
import { colourOf, fakeMp4, noisePng, solidPng } from '../common/png.js';
import { solidWebp } from '../common/webp.js';
import type { FaultRegistry } from '../faults/faults.js';
import { CHALLENGE_HTML, dropMidResponse } from '../faults/faults.js';
import type { MidjourneyState } from './midjourney-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** cdn.midjourney.com stand-in: cells appear when the job completes; 404 before (the `cb` query is ignored). */
export function registerMidjourneyCdn(
  cdn: FastifyInstance,
  state: MidjourneyState,
  faults: FaultRegistry,
  appOrigin: string,
) {
  const P = 'midjourney';
  cdn.addHook('onSend', async (_req, reply) => {
    reply.header('access-control-allow-origin', appOrigin);
  });
  cdn.addHook('onRequest', async (_req, reply) => {
    const fault = faults.take(P, 'cdn', undefined, [
      'slow_cdn',
      'latency',
      'challenge',
      'server_error',
      'network_drop',
    ]);
    if (!fault) return;
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.fault === 'challenge') return reply.code(403).type('text/html').send(CHALLENGE_HTML);
    if (fault.fault === 'server_error') return reply.code(fault.status ?? 502).send('Bad gateway');
    if (fault.fault === 'network_drop') dropMidResponse(reply, 'image/png', Buffer.from('89504e470d0a1a0a', 'hex'));
  });

  cdn.get('/__fixtures/large.png', async (req, reply) => {
    const mb = Math.min(64, Math.max(0.01, Number((req.query as { mb?: string }).mb ?? 2)));
    return reply.type('image/png').send(noisePng(mb));
  });

  cdn.get('/u/*', async (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const upload = [...state.uploads.values()].find((u) => u.bucketPathname === path);
    if (!upload) return reply.code(404).send('Not found');
    return reply.type(upload.contentType).send(upload.bytes);
  });

  cdn.get('/video/:jobId/:file', async (req, reply) => {
    const { jobId, file } = req.params as { jobId: string; file: string };
    const job = state.jobs.get(jobId);
    if (job) job.cdnRequests++;
    const match = /^(?:0_)?(\d+)(?:_\d+)?(?:_N)?\.(mp4|gif)$/.exec(file);
    if (!job || !match || job.kind !== 'video' || !state.cellReady(job, Number(match[1]))) {
      return reply.code(404).send('Not found');
    }
    return reply.type(match[2] === 'gif' ? 'image/gif' : 'video/mp4').send(fakeMp4(`${jobId}-${match[1]}`));
  });

  cdn.get('/:jobId/:file', async (req, reply) => {
    const { jobId, file } = req.params as { jobId: string; file: string };
    const job = state.jobs.get(jobId);
    if (job) job.cdnRequests++;
    const cell = /^0_(\d)(?:_(\d+)_N)?\.(png|webp|jpeg|jpg)$/.exec(file);
    const grid = /^grid_0(?:_(\d+)_N)?\.(png|webp)$/.exec(file);
    if (!job || (!cell && !grid)) return reply.code(404).send('Not found');
    const index = cell ? Number(cell[1]) : 0;
    if (!state.cellReady(job, cell ? index : job.batchSize - 1)) return reply.code(404).send('Not found');
    const ext = cell ? cell[3] : grid![2];
    const thumb = Number(cell ? cell[2] : grid![1]);
    const scale = thumb ? thumb / Math.max(job.width, job.height) : 1;
    const w = Math.round(job.width * scale * (grid && !thumb ? 2 : 1));
    const h = Math.round(job.height * scale * (grid && !thumb ? 2 : 1));
    const colour = colourOf(`${jobId}:${grid ? 'grid' : index}`);
    // Bytes always match the Content-Type: real WebP for .webp; no JPEG encoder here, so .jpeg/.jpg answer with
    // the PNG and say so (a client that trusts the header stores a valid file either way).
    if (ext === 'webp') return reply.type('image/webp').send(solidWebp(w, h, colour));
    return reply.type('image/png').send(solidPng(w, h, colour));
  });
}

/** s.mj.run stand-in: short links of uploads. */
export function registerMidjourneyLinks(links: FastifyInstance, state: MidjourneyState) {
  links.get('/:code', async (req, reply) => {
    const upload = state.uploads.get((req.params as { code: string }).code);
    if (!upload) return reply.code(404).send('Not found');
    return reply.type(upload.contentType).send(upload.bytes);
  });
}
