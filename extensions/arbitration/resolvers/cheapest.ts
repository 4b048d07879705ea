/**
 * The `cheapest` metascheduler (seed 000): proposes the candidate with the
 * lowest cost from its `data.costs` table, e.g. `{ wordcount: 1, relay: 3 }`.
 * Needs `subscribe: decision.ask.*` and `call: arbitration ops [propose]`.
 *
 * @module
 */
import { defineExtension } from '../../sdk/worker/index.js';
import { tableResolver } from './lowest.js';

export default defineExtension(tableResolver({ table: 'costs', label: 'cost' }));
