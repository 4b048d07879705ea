// Hostile: answers with a body of (body.bytes || 8 MiB) bytes.
import { delivery, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

export function handle(): i32 {
  const d = delivery();
  const size = i32(d.body.getNumber("bytes", 8 * 1024 * 1024));
  return replyOk("\"" + "x".repeat(size) + "\"");
}
