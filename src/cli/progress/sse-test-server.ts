// A real HTTP server on 127.0.0.1 for the tests of the events stream's readers: each request is
// handed to the test, which answers it as the Slipway server would (or would not).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SlipwayEvent } from '../../core/model.ts';

export interface StreamRequest {
  request: IncomingMessage;
  response: ServerResponse;
  /** Starts an event stream (status 200, text/event-stream). */
  open(): void;
  /** Sends one event as the server's event stream does. */
  send(id: number, message?: string): void;
}

export class SseTestServer {
  readonly requests: StreamRequest[] = [];
  private readonly server: Server;
  url = '';

  constructor(private readonly onRequest: (stream: StreamRequest, index: number) => void) {
    this.server = createServer((request, response) => {
      const stream: StreamRequest = {
        request,
        response,
        open: () => {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write('retry: 2000\n\n');
        },
        send: (id, message = `event ${id}`) => {
          response.write(`id: ${id}\nevent: event\ndata: ${JSON.stringify(event(id, message))}\n\n`);
        },
      };
      this.requests.push(stream);
      this.onRequest(stream, this.requests.length - 1);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function event(id: number, message = `event ${id}`): SlipwayEvent {
  return { id, at: id, kind: 'test.event', projectId: null, runId: 'run-1', deploymentId: null, actor: null, message, data: {} };
}
