// A live feed read with fetch (so it carries the Authorization header) that reconnects after a
// drop with a growing pause and resumes after the last id it saw, so no message is missed. A
// refusal (401, 403) ends it: asking again would not change the answer, and each 403 is audited.
import { SseParser, type SseMessage } from '../../../src/base/sse-parser.ts';

export type StreamState = 'connecting' | 'open' | 'retrying' | 'unauthorized' | 'forbidden';

export interface SseStreamOptions {
  url: string;
  token: string;
  onMessage: (message: SseMessage) => void;
  onState?: (state: StreamState) => void;
  /**
   * Where to resume when the stream has received no message yet: asked at each (re)connect, and
   * sent as Last-Event-ID. Without one the server sends new messages only.
   */
  resumeFrom?: () => string | undefined;
}

/** Opens the stream at once; `close()` ends it for good. */
export function openSseStream(options: SseStreamOptions): { close(): void } {
  const controller = new AbortController();
  let lastEventId: string | undefined;
  let failures = 0;

  const connectOnce = async (): Promise<'retry' | 'stop'> => {
    options.onState?.('connecting');
    const resume = lastEventId ?? options.resumeFrom?.();
    const response = await fetch(options.url, {
      signal: controller.signal,
      cache: 'no-store',
      headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream', ...(resume ? { 'last-event-id': resume } : {}) },
    });
    if (response.status === 401 || response.status === 403) {
      options.onState?.(response.status === 401 ? 'unauthorized' : 'forbidden');
      return 'stop';
    }
    if (!response.ok || !response.body) return 'retry';
    options.onState?.('open');
    failures = 0;
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'retry';
      for (const message of parser.push(value)) {
        if (message.id !== undefined) lastEventId = message.id;
        options.onMessage(message);
      }
    }
  };

  const loop = async () => {
    while (!controller.signal.aborted) {
      const outcome = await connectOnce().catch(() => 'retry' as const);
      if (outcome === 'stop' || controller.signal.aborted) return;
      options.onState?.('retrying');
      failures++;
      const pause = Math.min(15_000, 500 * 2 ** Math.min(failures, 5)) * (0.75 + Math.random() * 0.5);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
  void loop();
  return { close: () => controller.abort() };
}
