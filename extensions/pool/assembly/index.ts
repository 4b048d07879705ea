// The pool manager, a nanokernel Wasm plugin: leases instrument slots with a
// capacity, a ttl and renewal, queues callers FIFO when an instrument is full,
// and reclaims expired leases and abandoned tickets. Protocol:
// extensions/pool/protocol.ts; semantics: docs/extensions.md#pool.
//
// The plugin has no clock: "now" is the kernel-stamped `ts` of the delivery
// being handled (never moving backwards), and who asks is the kernel-stamped
// `from`. Files: table.ts (state), queue.ts (FIFO), config.ts (policy data),
// envelope.ts / reply.ts (JSON glue), ops.ts (the ops).
import { load, problem, problemKey } from "./config";
import { readEnvelope } from "./envelope";
import { opBench, opClaim, opLease, opRelease, opRenew, opStatus, opSweep } from "./ops";
import { Facts, replyError, stringArray } from "./reply";
import { tick } from "./table";

// Re-exported so the build can name the SDK's abort handler (--use abort=…/nkAbort).
export { nkAbort } from "../../sdk/assemblyscript/assembly/index";

const OPS: Array<string> = ["lease", "claim", "renew", "release", "status", "sweep", "bench"];

export function handle(): i32 {
  const e = readEnvelope();
  if (!e.valid) return replyError("E_BAD_ENVELOPE", "pool: the delivery is not a valid envelope (field " + e.field + ")", "", new Facts().str("field", e.field));
  if (e.kind == "event") return 0; // the pool subscribes to nothing; events need no answer
  load();
  if (problem.length > 0) {
    return replyError("E_POLICY_INVALID", "pool: " + problem, "fix the pool's data in the policy (docs/extensions.md#pool)", new Facts().str("key", "data." + problemKey));
  }
  e.ts = tick(e.ts);
  const op = e.op;
  if (op == "lease") return opLease(e);
  if (op == "claim") return opClaim(e);
  if (op == "renew") return opRenew(e);
  if (op == "release") return opRelease(e);
  if (op == "status") return opStatus(e);
  if (op == "sweep") return opSweep(e);
  if (op == "bench") return opBench(e);
  return replyError("E_NO_TARGET", "pool: unknown op \"" + op + "\"", "the pool's ops are " + OPS.join(", "), new Facts().str("op", op).raw("ops", stringArray(OPS)));
}
