/**
 * Live tail over server-sent events: on connect the chain status, then each
 * new record as it is appended (`record`), the re-checked chain after each read
 * (`chain`), and `reset` when the file was truncated or replaced. Records are
 * scrubbed exactly as the JSON API scrubs them.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { LogFollower } from './follow.js';
import { SECURITY_HEADERS } from './headers.js';
import { scrubRecord } from './scrub.js';

const HEARTBEAT_MS = 15_000;

/** Open event streams, so closing the server can end them. */
export class EventStreams {
  readonly #open = new Set<ServerResponse>();

  /** Turn `response` into an event stream following `log`. */
  attach(response: ServerResponse, log: LogFollower): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    response.write('retry: 2000\n\n');
    send('chain', log.chain());
    const off = log.subscribe((change) => {
      if (change.kind === 'reset') {
        send('reset', { chain: change.chain });
        return;
      }
      for (const record of change.records) send('record', { ...scrubRecord(record), verified: log.verified(record) });
      send('chain', change.chain);
    });
    const heartbeat = setInterval(() => response.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    this.#open.add(response);
    response.on('close', () => {
      off();
      clearInterval(heartbeat);
      this.#open.delete(response);
    });
  }

  /** End every open stream. */
  closeAll(): void {
    for (const response of this.#open) response.end();
    this.#open.clear();
  }

  get size(): number {
    return this.#open.size;
  }
}
