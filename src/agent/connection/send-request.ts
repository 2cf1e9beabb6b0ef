// The agent's HTTP requests to the server (enrolling, downloading artifacts), made with node:http
// rather than fetch: an agent's first fetch loads undici and compiles its WebAssembly HTTP parser,
// which costs about 17 MB of resident memory for as long as the agent runs and 44 MB at the peak
// (measured with /proc/<pid>/status, Node 20), for a handful of requests.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as it is; set content-type in `headers`. */
  body?: string;
  /** Aborts the request and the body still streaming: the promise (or the body) fails with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Sends a request to `url` (http: or https:) and resolves with the response once its status and
 * headers have arrived; its body is a stream that the caller reads to the end or destroys.
 * Rejects when no answer comes: a connection error (its message names the code, e.g.
 * "connect ECONNREFUSED 127.0.0.1:7700") or an abort.
 */
export function sendRequest(url: string, options: RequestOptions = {}): Promise<IncomingMessage> {
  const send = new URL(url).protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) };
  return new Promise((resolve, reject) => {
    const request = send(url, { method: options.method ?? 'GET', headers, ...(options.signal ? { signal: options.signal } : {}) }, resolve);
    request.once('error', reject);
    request.end(options.body);
  });
}

/** The whole body of `response` as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether `status` is a 2xx. */
export function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}
