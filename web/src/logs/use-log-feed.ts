// The lines of a log view: the newest page of what matches the filters, older pages on request,
// and (when live) every new matching line as it is stored. The tail opens first and the page is
// read once it is open, so no line falls between the two (lines in both are kept once); after a
// drop the tail resumes after the newest line held.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LogSearchAnswer } from '../../../src/core/api/answers.ts';
import type { LogLine } from '../../../src/core/model.ts';
import { ApiError, queryString } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import { openSseStream, type StreamState } from '../api/sse-stream.ts';
import { LogBuffer } from './log-buffer.ts';
import { apiParams, filtersKey, type LogFilters } from './log-filters.ts';

const pageSize = 1000;

export interface LogFeed {
  buffer: LogBuffer;
  /** Changes whenever the buffer does: a dependency for rendering. */
  version: number;
  loading: boolean;
  error: ApiError | undefined;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Loads the page before the oldest line held; resolves to how many lines it added. */
  loadOlder: () => Promise<number>;
  tail: StreamState | 'off';
}

/** Lines matching `filters` (none while null); `live` adds a tail of new lines. */
export function useLogFeed(filters: LogFilters | null, live: boolean): LogFeed {
  const api = useApi();
  const [buffer] = useState(() => new LogBuffer());
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError>();
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [tail, setTail] = useState<StreamState | 'off'>('off');
  const generation = useRef(0);
  const key = filters ? filtersKey(filters) : null;
  const params = useRef<Record<string, string | undefined>>({});
  const liveNow = useRef(live);
  liveNow.current = live;
  // Resolved when this generation's tail has answered (or failed to): then the page is read.
  const tailAnswered = useRef<{ promise: Promise<void>; resolve: () => void }>(deferred());

  useEffect(() => {
    const mine = ++generation.current;
    buffer.clear();
    setVersion((v) => v + 1);
    setError(undefined);
    setHasOlder(false);
    if (!filters) return;
    setLoading(true);
    params.current = apiParams(filters);
    tailAnswered.current = deferred();
    const ready = liveNow.current ? tailAnswered.current.promise : Promise.resolve();
    void ready
      .then(() => api.get<LogSearchAnswer>(`/api/v1/logs${queryString({ ...params.current, order: 'desc', limit: pageSize })}`))
      .then(({ lines }) => {
        if (generation.current !== mine) return;
        buffer.add(lines);
        setHasOlder(lines.length === pageSize);
        setVersion((v) => v + 1);
      })
      .catch((err: unknown) => {
        if (generation.current === mine) setError(err instanceof ApiError ? err : new ApiError(0, 'SLIPWAY_UI', String(err)));
      })
      .finally(() => {
        if (generation.current === mine) setLoading(false);
      });
    // `key` stands for `filters`: a new object with the same filters must not start over.
  }, [api, buffer, key]);

  useEffect(() => {
    if (!live || !key) {
      setTail('off');
      tailAnswered.current.resolve();
      return undefined;
    }
    let pending: LogLine[] = [];
    let frame: number | undefined;
    const answered = tailAnswered.current;
    const flush = () => {
      frame = undefined;
      if (buffer.add(pending)) setVersion((v) => v + 1);
      pending = [];
    };
    const { since: _since, ...tailParams } = params.current;
    const stream = openSseStream({
      url: `/api/v1/logs/tail${queryString(tailParams)}`,
      token: api.token,
      resumeFrom: () => (buffer.lastId > 0 ? String(buffer.lastId) : undefined),
      onState: (state) => {
        setTail(state);
        if (state !== 'connecting') answered.resolve();
      },
      onMessage: (message) => {
        if (message.event !== 'line') return;
        try {
          pending.push(JSON.parse(message.data) as LogLine);
        } catch {
          return;
        }
        frame ??= requestAnimationFrame(flush);
      },
    });
    return () => {
      stream.close();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [api, buffer, key, live]);

  const loadOlder = useCallback(async () => {
    const before = buffer.firstId;
    if (!hasOlder || loadingOlder || before === undefined) return 0;
    const mine = generation.current;
    setLoadingOlder(true);
    try {
      const { lines } = await api.get<LogSearchAnswer>(`/api/v1/logs${queryString({ ...params.current, order: 'desc', before, limit: pageSize })}`);
      if (generation.current !== mine) return 0;
      const added = buffer.add(lines);
      setHasOlder(lines.length === pageSize);
      setVersion((v) => v + 1);
      return added;
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'SLIPWAY_UI', String(err)));
      return 0;
    } finally {
      setLoadingOlder(false);
    }
  }, [api, buffer, hasOlder, loadingOlder]);

  return { buffer, version, loading, error, hasOlder, loadingOlder, loadOlder, tail };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
