// relay: calls another extension through the kernel and answers with its reply.
// Op "relay" takes {"to", "op", "resource"?, "body"} (default: wordcount/count
// with the whole body). A denial comes back as the kernel's structured error,
// which relay forwards unchanged.
import { call, delivery, replyError, replyWith } from "../../../../extensions/sdk/assemblyscript/assembly/index";

export function handle(): i32 {
  const d = delivery();
  if (!d.valid) return replyError("E_BAD_ENVELOPE", "relay: the input is not a delivery");
  if (d.op != "relay") return replyError("E_NO_TARGET", "relay: unknown op \"" + d.op + "\"; use \"relay\"");
  const target = d.body.getString("to", "wordcount");
  const op = d.body.getString("op", "count");
  const resource = d.body.getString("resource", "");
  const inner = d.body.get("body");
  const bodyJson = inner === null ? d.body.raw : inner.raw;
  return replyWith(call(target, op, resource, bodyJson));
}
