import { Encoder } from 'cbor-x';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { strictMock } from '../../../../test/strict-mock.js';
import { MidjourneySocket, decodeFrame, type SocketHandlers, type SocketTransport } from './midjourney-socket.js';

// Frames as the site sends them: CBOR maps, byte strings as plain CBOR bytes (no typed-array tags).
const cbor = new Encoder({ tagUint8Array: false, useRecords: false });
const frame = (value: unknown) => Buffer.from(cbor.encode(value));

describe(decodeFrame.name, () => {
  it('reads job id, status and progress from a top-level map, ignoring preview bytes', () => {
    expect(
      decodeFrame(
        frame({ job_id: 'mj-1', current_status: 'running', percentage_complete: 42.7, img: new Uint8Array(64) }),
      ),
    ).toEqual({ jobId: 'mj-1', status: 'running', progress: 42 });
  });

  it('reads a job nested under data, and a CBOR map with non-string keys', () => {
    expect(decodeFrame(frame({ type: 'job_update', data: { job_id: 'mj-2', current_status: 'completed' } }))).toEqual({
      jobId: 'mj-2',
      status: 'completed',
    });
    const mapped = new Map<unknown, unknown>([
      [1, 'x'],
      ['job_id', 'mj-3'],
      ['percentage_complete', 140],
    ]);
    expect(decodeFrame(frame(mapped))).toEqual({ jobId: 'mj-3', progress: 100 });
  });

  it('answers null for frames about no job and for bytes that are not CBOR', () => {
    expect(decodeFrame(frame({ type: 'pong' }))).toBeNull();
    expect(decodeFrame(frame('hello'))).toBeNull();
    expect(decodeFrame(Buffer.from([0xff, 0xfe, 0x1c]))).toBeNull();
    expect(decodeFrame(frame({ job_id: 12 }))).toBeNull();
  });
});

describe(MidjourneySocket.name, () => {
  let handlers: SocketHandlers | undefined;
  let transport: ReturnType<typeof strictMock<SocketTransport>>;
  let token: ReturnType<typeof vi.fn<(signal: AbortSignal) => Promise<string>>>;
  let socket: MidjourneySocket;
  let now: number;
  const wakes: Array<string | undefined> = [];

  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000;
    wakes.length = 0;
    handlers = undefined;
    transport = strictMock<SocketTransport>('transport', {
      open: (_url, h) => {
        handlers = h;
        return Promise.resolve(true);
      },
      close: () => Promise.resolve(),
    });
    token = vi.fn(() => Promise.resolve('tok/1'));
    socket = new MidjourneySocket({
      url: 'wss://ws.example.test/',
      transport,
      token,
      logger: { log: vi.fn(), warn: vi.fn() },
      reconnectBaseMs: 1000,
      now: () => now,
    });
    socket.onNews((id) => wakes.push(id));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens once with the account’s token in the URL and answers the generation to follow jobs with', async () => {
    const [a, b] = await Promise.all([socket.ready(1000), socket.ready(1000)]);
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(transport.open).toHaveBeenCalledTimes(1);
    expect(transport.open.mock.calls[0][0]).toBe('wss://ws.example.test/ws?token=tok%2F1');
    expect(await socket.ready(1000)).toBe(a);
    expect(transport.open).toHaveBeenCalledTimes(1);
  });

  it('wakes a followed job on news that changes it, keeps the news, and ignores repeats and strangers', async () => {
    const generation = (await socket.ready(1000))!;
    socket.follow('mj-1', generation);
    handlers!.frame(frame({ job_id: 'mj-1', current_status: 'running', percentage_complete: 30 }));
    handlers!.frame(frame({ job_id: 'mj-1', current_status: 'running', percentage_complete: 30 }));
    handlers!.frame(frame({ job_id: 'other', current_status: 'completed' }));
    now = 2_000;
    handlers!.frame(frame({ job_id: 'mj-1', current_status: 'completed', percentage_complete: 100 }));
    expect(wakes).toEqual(['mj-1', 'mj-1']);
    expect(socket.latest('mj-1')).toEqual({ jobId: 'mj-1', status: 'completed', progress: 100, at: 2_000 });
    expect(socket.latest('other')?.status).toBe('completed');
    expect(socket.live('mj-1')).toBe(true);
    expect(socket.live('other')).toBe(false);
  });

  it('after a drop wakes every job, follows none of the old ones, and reopens with backoff', async () => {
    const generation = (await socket.ready(1000))!;
    socket.follow('mj-1', generation);
    handlers!.closed('code 1006');
    expect(wakes).toEqual([undefined]);
    expect(socket.isOpen()).toBe(false);
    expect(socket.live('mj-1')).toBe(false);
    expect(transport.close).toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(999);
    expect(transport.open).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.open).toHaveBeenCalledTimes(2);
    expect(socket.isOpen()).toBe(true);
    // Midjourney streams only jobs that started after the subscription: the old job stays with polling.
    expect(socket.live('mj-1')).toBe(false);
    handlers!.frame(frame({ job_id: 'mj-1', current_status: 'completed' }));
    expect(socket.latest('mj-1')?.status).toBe('completed');
  });

  it('answers undefined when the socket cannot open, asks for a new token and tries again later', async () => {
    transport.open.mockResolvedValueOnce(false);
    expect(await socket.ready(1000)).toBeUndefined();
    expect(socket.isOpen()).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(token).toHaveBeenCalledTimes(2);
    expect(socket.isOpen()).toBe(true);
  });

  it('keeps a failing token source from breaking anything: no socket, polling goes on', async () => {
    token.mockRejectedValueOnce(new Error('401'));
    expect(await socket.ready(1000)).toBeUndefined();
    expect(transport.open).not.toHaveBeenCalled();
  });

  it('waits no longer than asked for an open under way', async () => {
    transport.open.mockImplementationOnce(() => new Promise(() => undefined));
    const waiting = socket.ready(300);
    await vi.advanceTimersByTimeAsync(300);
    expect(await waiting).toBeUndefined();
  });

  it('ignores a late close of a socket it already replaced', async () => {
    await socket.ready(1000);
    const old = handlers!;
    handlers!.closed('code 1006');
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.isOpen()).toBe(true);
    old.closed('tab closed');
    expect(socket.isOpen()).toBe(true);
    expect(wakes).toEqual([undefined]);
  });
});
