import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Encoder, decode } from 'cbor-x';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FaultRegistry } from '../faults/faults.js';
import type { MidjourneyState, MjJob } from './midjourney-state.js';

// Byte strings as plain CBOR bytes (as the site sends previews), maps with string keys.
const cbor = new Encoder({ tagUint8Array: false, useRecords: false });
/** A few bytes standing in for the preview image a real progress frame carries. */
const PREVIEW = new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]);

interface Client {
  socket: WebSocket;
  account: string;
  subscribed: boolean;
}

/** Encodes one job frame as the site does (PROVIDERS.md §2.3). */
export function jobFrame(job: Pick<MjJob, 'job_id'>, status: string, progress: number): Buffer {
  return Buffer.from(
    cbor.encode({
      job_id: job.job_id,
      current_status: status,
      percentage_complete: progress,
      ...(status === 'running' ? { img: PREVIEW } : {}),
    }),
  );
}

/** The frames a job sends over its life: when (ms after submission), status and progress. */
export function framePlan(state: MidjourneyState, job: MjJob): Array<{ at: number; status: string; progress: number }> {
  const span = Math.max(1, job.completesAt - job.submittedAt);
  if (job.marker === 'stuck') return [{ at: span * 0.25, status: 'running', progress: 42 }];
  const plan = [0.25, 0.5, 0.75].map((f) => ({ at: span * f, status: 'running', progress: Math.floor(f * 100) }));
  if (job.marker === 'moderated') return [...plan.slice(0, 1), { at: span / 2, status: 'moderated', progress: 50 }];
  if (job.marker === 'fail') return [...plan, { at: span, status: 'failed', progress: 100 }];
  // Completed once every cell is on the CDN (cells may be staggered).
  const done = span + Math.max(0, job.batchSize - 1) * state.timing.staggerMs;
  return [...plan, { at: done, status: 'completed', progress: 100 }];
}

/**
 * ws.midjourney.com stand-in: `/ws?token=<websocketToken>`, `{type:'subscribe_to_user'}` (JSON text or CBOR), then
 * CBOR frames of the user's jobs — only of jobs submitted while the socket was subscribed, as the site does. The
 * `socket_drop` fault (endpoint `socket`) cuts open sockets at their next frame and refuses new ones while armed.
 */
export function registerMidjourneySocket(server: FastifyInstance, state: MidjourneyState, faults: FaultRegistry) {
  const P = 'midjourney';
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<Client>();

  server.server.on('upgrade', (req: IncomingMessage, stream: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const account = state.byWebsocketToken(url.searchParams.get('token') ?? undefined);
    const refuse = (status: string) => {
      state.count('socket:refused');
      stream.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse('404 Not Found');
    if (!account) return refuse('401 Unauthorized');
    if (faults.has(P, 'socket', account.name, 'socket_drop')) return refuse('503 Service Unavailable');
    wss.handleUpgrade(req, stream, head, (socket) => {
      state.count('socket:connections');
      const client: Client = { socket, account: account.name, subscribed: false };
      clients.add(client);
      socket.on('message', (data: Buffer, binary: boolean) => {
        let message: { type?: unknown } | undefined;
        try {
          message = (binary ? decode(data) : JSON.parse(data.toString())) as { type?: unknown };
        } catch {
          return;
        }
        if (message?.type === 'subscribe_to_user') {
          client.subscribed = true;
          state.count('socket:subscriptions');
        }
      });
      socket.on('close', () => clients.delete(client));
      socket.on('error', () => clients.delete(client));
    });
  });

  state.onJob((job) => {
    // Streamed only to sockets subscribed when the job started.
    const watchers = [...clients].filter((c) => c.subscribed && c.account === job.account);
    if (!watchers.length) return;
    for (const step of framePlan(state, job)) {
      const timer = setTimeout(
        () => {
          if (state.jobs.get(job.job_id) !== job) return; // reset meanwhile
          const bytes = jobFrame(job, step.status, step.progress);
          for (const client of watchers) {
            if (!clients.has(client)) continue;
            if (faults.take(P, 'socket', client.account, ['socket_drop'])) {
              state.count('socket:drops');
              client.socket.terminate();
              continue;
            }
            state.count('socket:frames');
            client.socket.send(bytes);
          }
        },
        Math.max(0, job.submittedAt + step.at - Date.now()),
      );
      timer.unref();
    }
  });

  server.addHook('onClose', async () => {
    for (const client of clients) client.socket.terminate();
    wss.close();
  });
}
