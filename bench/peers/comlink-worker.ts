/**
 * The comlink peer: a bare worker exposing `upper` with comlink (no SES, no
 * guard, no kernel), the same work as the `uppercase` example extension.
 *
 * @module
 */
import { expose } from 'comlink';
import { parentPort } from 'node:worker_threads';
import { nodeEndpoint } from './node-endpoint.js';

expose({ upper: (body: { text: string }) => body.text.toUpperCase() }, nodeEndpoint(parentPort!));
