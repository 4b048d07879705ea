/**
 * The engine's ops, `ask` and `propose`, as SDK op specs: each body is checked
 * by its zod schema before the handler runs, each reply by its schema after.
 *
 * @module
 */
import { KernelError } from '../sdk/worker/index.js';
import type { Engine } from './engine.js';
import { AskBody, ProposeBody, ProposeReply, type AskReply } from './protocol.js';

function running(engine: () => Engine | undefined): Engine {
  const current = engine();
  if (current === undefined) throw new KernelError('E_TARGET_CRASHED', 'arbitration has not finished starting', { hint: 'retry once the extension is running' });
  return current;
}

/** Op specs bound to the engine that `init` builds. */
export function arbitrationOps(engine: () => Engine | undefined) {
  return {
    ask: {
      body: AskBody,
      /** The engine validates its reply with `AskReply` before returning it. */
      handle(body: AskBody, ctx: Parameters<Engine['ask']>[1]): Promise<AskReply> {
        return running(engine).ask(body, ctx);
      },
    },
    propose: {
      body: ProposeBody,
      handle(body: ProposeBody, ctx: Parameters<Engine['propose']>[1]): ProposeReply {
        return ProposeReply.parse(running(engine).propose(body, ctx));
      },
    },
  } as const;
}
