// Hostile: never returns (op "spin"), so the host must stop it from outside.
// Op "ok" answers normally, to show the rebuilt instance serves again.
import { delivery, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

let counter: u64 = 0;

export function handle(): i32 {
  const d = delivery();
  if (d.op == "ok") return replyOk("\"alive\"");
  while (counter != 0xffffffffffffffff) counter++;
  return replyOk(counter.toString());
}
