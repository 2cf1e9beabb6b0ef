// The browser's way to the API: JSON over fetch with the signed-in token, and the server's
// { error: { code, message } } turned into an ApiError that pages show as it is.

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  readonly token: string;
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/**
 * A client for `token`. `onUnauthorized` is told when the server refuses the token (it was
 * rotated, or mistyped), so the app can ask for a new one.
 */
export function createApiClient(token: string, onUnauthorized: () => void): ApiClient {
  const call = async <T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        signal,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, 'SLIPWAY_SERVER_UNREACHABLE', 'The server cannot be reached. Is it running?');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.ok) return json as T;
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, error?.code ?? `SLIPWAY_HTTP_${response.status}`, error?.message ?? `${method} ${path} answered HTTP ${response.status}`);
  };
  return {
    token,
    get: (path, signal) => call('GET', path, undefined, signal),
    post: (path, body) => call('POST', path, body),
  };
}

/** `/api/v1/projects/<name><rest>` with the name encoded. */
export function projectPath(project: string, rest = ''): string {
  return `/api/v1/projects/${encodeURIComponent(project)}${rest}`;
}

/** A query string of the given values, leaving out empty ones ("" when none). */
export function queryString(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
