/**
 * Example worker extension: greets someone, shouting through the `uppercase`
 * extension with a typed SDK client. Needs a grant to call `uppercase`/`upper`.
 *
 * @module
 */
import { client, defineExtension, z } from '../../../extensions/sdk/worker/index.js';
import type uppercase from '../uppercase/index.js';

export default defineExtension({
  ops: {
    greet: {
      body: z.object({ name: z.string().min(1).max(100), shout: z.boolean().default(false) }).strict(),
      async handle({ name, shout }, ctx) {
        const greeting = `hello, ${name}`;
        if (!shout) return { greeting, from: ctx.from };
        const upper = client<typeof uppercase>(ctx.api, 'uppercase');
        const loud: string = await upper.call('upper', { text: greeting });
        return { greeting: loud, from: ctx.from };
      },
    },
  },
  init(api) {
    api.log('info', 'greeter ready');
  },
});
