import { useEffect, useRef } from 'preact/hooks';
import type { Job } from './api.js';

/**
 * Subscribes to a server-sent event stream of jobs while mounted. EventSource reconnects by itself; `onReady` runs
 * whenever a list-wide stream is (again) live, so the page can reload what it may have missed meanwhile.
 */
export function useJobStream(
  url: string | null,
  onJob: (job: Job) => void,
  onReady?: () => void,
  onDown?: () => void,
): void {
  const handlers = useRef({ onJob, onReady, onDown });
  handlers.current = { onJob, onReady, onDown };
  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url);
    source.addEventListener('job', (event) =>
      handlers.current.onJob(JSON.parse((event as MessageEvent<string>).data) as Job),
    );
    // Sent by the gateway on every (re)connection, once the stream is live.
    source.addEventListener('ready', () => handlers.current.onReady?.());
    source.addEventListener('error', () => handlers.current.onDown?.());
    return () => source.close();
  }, [url]);
}
