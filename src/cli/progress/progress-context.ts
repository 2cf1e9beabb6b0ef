// What a command that shows progress needs, from SLIPWAY_URL and SLIPWAY_TOKEN: the API client,
// the events stream's address, and a view on stdout (bars on a terminal, plain lines otherwise).
import { apiClientFromEnv } from '../api-client.ts';
import { createProgressView, type ProgressOutput } from './progress-view.ts';
import type { ProgressContext } from './watch.ts';

/** Throws InputError (SLIPWAY_URL_MISSING, SLIPWAY_TOKEN_MISSING) as apiClientFromEnv does. */
export function progressContextFromEnv(env: NodeJS.ProcessEnv, out: ProgressOutput): ProgressContext {
  const api = apiClientFromEnv(env);
  return {
    api,
    server: { url: (env.SLIPWAY_URL ?? '').replace(/\/+$/, ''), token: env.SLIPWAY_TOKEN ?? '' },
    view: createProgressView(out, env),
  };
}
