// The CLI's way to the server: SLIPWAY_URL and SLIPWAY_TOKEN, JSON in and out, and the server's
// error (code and message) turned back into a SlipwayError.
import { AuthError, ConflictError, ForbiddenError, InputError, NotFoundError, SlipwayError } from '../base/errors.ts';

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

export function apiClientFromEnv(env: NodeJS.ProcessEnv): ApiClient {
  const url = env.SLIPWAY_URL?.replace(/\/+$/, '');
  const token = env.SLIPWAY_TOKEN;
  if (!url) throw new InputError('SLIPWAY_URL_MISSING', 'set SLIPWAY_URL to the server, e.g. export SLIPWAY_URL=http://127.0.0.1:7700');
  if (!token) throw new InputError('SLIPWAY_TOKEN_MISSING', 'set SLIPWAY_TOKEN to an API token (the server prints its admin token on first start)');
  const client = createApiClient(url, token);
  // A refused token is the user's setting to fix: say which one, not only what the server wants.
  const explained = <T>(call: Promise<T>): Promise<T> => call.catch((err: unknown) => {
    if (!(err instanceof AuthError)) throw err;
    throw new AuthError(err.code, `401 Unauthorized from ${url}: ${err.message}; check that SLIPWAY_TOKEN holds the server's admin token (<data>/admin-token)`);
  });
  return {
    get: (path) => explained(client.get(path)),
    post: (path, body) => explained(client.post(path, body)),
    delete: (path) => explained(client.delete(path)),
  };
}

export function createApiClient(url: string, token: string): ApiClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new SlipwayError('SLIPWAY_SERVER_UNREACHABLE', `cannot reach the server at ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) {
      if (json === notJson) throw new SlipwayError('SLIPWAY_BAD_RESPONSE', `${method} ${path} on ${url} answered with something that is not JSON: is that a Slipway server?`);
      return json as T;
    }
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = error?.code ?? `SLIPWAY_HTTP_${response.status}`;
    const message = error?.message ?? `HTTP ${response.status} from ${method} ${path}`;
    const Kind = { 400: InputError, 401: AuthError, 403: ForbiddenError, 404: NotFoundError, 409: ConflictError }[response.status] ?? SlipwayError;
    throw new Kind(code, message);
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    delete: (path) => call('DELETE', path),
  };
}

export function projectPath(project: string, rest = ''): string {
  return `/api/v1/projects/${encodeURIComponent(project)}${rest}`;
}

const notJson = Symbol('not JSON');

/** The parsed body, undefined when empty, or notJson (a proxy's HTML error page, say). */
function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return notJson;
  }
}
