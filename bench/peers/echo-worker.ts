/**
 * The raw `postMessage` peer: a bare worker (no SES, no comlink, no kernel)
 * that answers `{ seq, body }` with `{ seq, reply }` after the same work as the
 * `uppercase` example extension.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';

const port = parentPort!;
port.on('message', (message: { seq: number; body: { text: string } }) => {
  port.postMessage({ seq: message.seq, reply: message.body.text.toUpperCase() });
});
