/**
 * Example worker extension: upper-cases text. Pure computation, no host grants.
 *
 * @module
 */
import { defineExtension, z } from '../../../extensions/sdk/worker/index.js';

export default defineExtension({
  ops: {
    upper: {
      body: z.object({ text: z.string().max(10_000) }).strict(),
      handle: ({ text }) => text.toUpperCase(),
    },
  },
});
