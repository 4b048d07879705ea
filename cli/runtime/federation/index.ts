/**
 * Federation: kernels on several hosts joined over NATS, with the same tokens,
 * grants and audit. An adapter around the kernel's `registerRemoteProxy`,
 * `acceptForeign` and signed revocation lists. See docs/federation.md.
 *
 * @module
 */
export { Federation } from './federation.js';
export type { FederationOptions } from './federation.js';
export { natsServerInstalled, startNatsServer } from './nats-server.js';
export type { NatsServer } from './nats-server.js';
export { subjects } from './wire.js';
