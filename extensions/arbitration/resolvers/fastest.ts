/**
 * The `fastest` metascheduler (seed 000): proposes the candidate with the
 * lowest expected latency from its `data.latencies` table (milliseconds),
 * e.g. `{ wordcount: 40, relay: 5 }`.
 * Needs `subscribe: decision.ask.*` and `call: arbitration ops [propose]`.
 *
 * @module
 */
import { defineExtension } from '../../sdk/worker/index.js';
import { tableResolver } from './lowest.js';

export default defineExtension(tableResolver({ table: 'latencies', label: 'latency ms' }));
