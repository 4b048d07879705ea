// Hostile: traps with "unreachable" (op "trap"); op "ok" answers normally and
// op "count" answers how many deliveries this instance has seen.
import { delivery, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

let seen: i32 = 0;

export function handle(): i32 {
  seen++;
  const d = delivery();
  if (d.op == "trap") unreachable();
  if (d.op == "count") return replyOk(seen.toString());
  return replyOk("\"alive\"");
}
