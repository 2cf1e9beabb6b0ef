// The filters of the central log (as in GET /api/v1/logs and /logs/tail), read from and written
// to the address bar so that a search can be shared as a link.

export interface LogFilters {
  q?: string;
  host?: string;
  app?: string;
  env?: string;
  stream?: string;
  level?: string;
  run?: string;
  deployment?: string;
  /** A look-back such as "15m", "1h", "24h": becomes `since` when the query is sent. */
  last?: string;
}

export const filterKeys = ['q', 'host', 'app', 'env', 'stream', 'level', 'run', 'deployment', 'last'] as const;

const lookBack: Record<string, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };
export const lookBackChoices = Object.keys(lookBack);

/** The filters named in a query string (unknown keys are ignored). */
export function filtersFromSearch(search: string): LogFilters {
  const params = new URLSearchParams(search);
  const filters: LogFilters = {};
  for (const key of filterKeys) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** The API's query parameters for the filters: `last` becomes `since` in ms since the epoch. */
export function apiParams(filters: LogFilters, now = Date.now()): Record<string, string | undefined> {
  const { last, ...rest } = filters;
  const span = last ? lookBack[last] : undefined;
  return { ...rest, since: span ? String(now - span) : undefined };
}

/** A stable key for the filters: a feed starts over when it changes. */
export function filtersKey(filters: LogFilters): string {
  return filterKeys.map((k) => `${k}=${filters[k] ?? ''}`).join('&');
}
