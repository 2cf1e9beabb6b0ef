// One live feed of the server's events for the whole signed-in app (GET /api/v1/events/stream):
// pages subscribe and reload what an event concerns. When the feed comes back after a drop,
// subscribers are told to reload everything, since they may have missed what changed.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { SlipwayEvent } from '../../../src/core/model.ts';
import { openSseStream, type StreamState } from '../api/sse-stream.ts';

export type LiveMessage = { kind: 'event'; event: SlipwayEvent } | { kind: 'reconnected' };
type Listener = (message: LiveMessage) => void;

interface LiveEvents {
  subscribe(listener: Listener): () => void;
}

const LiveEventsContext = createContext<LiveEvents | null>(null);
const LiveStateContext = createContext<StreamState>('connecting');

export function LiveEventsProvider({ token, onUnauthorized, children }: { token: string; onUnauthorized: () => void; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [state, setState] = useState<StreamState>('connecting');
  const [live] = useState<LiveEvents>(() => ({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;

  useEffect(() => {
    let opened = false;
    const tell = (message: LiveMessage) => {
      for (const listener of listeners.current) listener(message);
    };
    const stream = openSseStream({
      url: '/api/v1/events/stream',
      token,
      onState: (next) => {
        setState(next);
        if (next === 'unauthorized') unauthorized.current();
        if (next === 'open') {
          if (opened) tell({ kind: 'reconnected' });
          opened = true;
        }
      },
      onMessage: (message) => {
        if (message.event !== 'event') return;
        try {
          tell({ kind: 'event', event: JSON.parse(message.data) as SlipwayEvent });
        } catch {
          // not an event: ignore it rather than stop the feed
        }
      },
    });
    return () => stream.close();
  }, [token]);

  return (
    <LiveEventsContext.Provider value={live}>
      <LiveStateContext.Provider value={state}>{children}</LiveStateContext.Provider>
    </LiveEventsContext.Provider>
  );
}

/** Whether the live feed is connected: shown in the header. */
export function useLiveState(): StreamState {
  return useContext(LiveStateContext);
}

/**
 * Calls `reload` soon after each event that `concerns` says matters to the page (bursts fold into
 * one reload), and after the feed reconnects.
 */
export function useLiveReload(reload: () => void, concerns: (event: SlipwayEvent) => boolean): void {
  const live = useContext(LiveEventsContext);
  const latest = useRef({ reload, concerns });
  latest.current = { reload, concerns };
  useEffect(() => {
    if (!live) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        latest.current.reload();
      }, 120);
    };
    const stop = live.subscribe((message) => {
      if (message.kind === 'reconnected' || latest.current.concerns(message.event)) schedule();
    });
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [live]);
}
