// Loads one API resource for a page and loads it again on request (a live event that concerns
// it): reloads while one is under way are folded into one more, and an answer for a path the
// page has left is dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api-client.ts';
import { useApi } from './api-context.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer (or error) for the current path. */
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (nothing while it is null); keeps the last data shown while reloading. */
export function useResource<T>(path: string | null): Resource<T> {
  const api = useApi();
  const [state, setState] = useState<{ path: string | null; data?: T; error?: ApiError }>({ path });
  const current = useRef(path);
  const inFlight = useRef(false);
  const again = useRef(false);
  current.current = path;

  const load = useCallback(async () => {
    const wanted = current.current;
    if (wanted === null) return;
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      const data = await api.get<T>(wanted);
      if (current.current === wanted) setState({ path: wanted, data });
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError(0, 'SLIPWAY_UI', String(err));
      if (current.current === wanted) setState((s) => ({ path: wanted, data: s.path === wanted ? s.data : undefined, error }));
    } finally {
      inFlight.current = false;
      if (again.current) {
        again.current = false;
        void load();
      }
    }
  }, [api]);

  useEffect(() => {
    setState((s) => (s.path === path ? s : { path }));
    if (inFlight.current) again.current = true;
    else void load();
  }, [path, load]);

  const reload = useCallback(() => void load(), [load]);
  const fresh = state.path === path;
  return { data: fresh ? state.data : undefined, error: fresh ? state.error : undefined, loading: !fresh || (state.data === undefined && state.error === undefined), reload };
}
