import { expect } from 'vitest';

/** Reads a server-sent event stream until it ends; returns the parsed `job` events. */
export async function readJobEvents(url: string, key: string): Promise<any[]> {
  const res = await fetch(url, {
    headers: { 'x-api-key': key, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(90_000),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const events: any[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type === 'job' && data) events.push(JSON.parse(data));
    }
  }
  return events;
}
