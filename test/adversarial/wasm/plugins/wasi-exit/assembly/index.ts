// Hostile: calls WASI proc_exit(3) in the middle of a delivery (op "exit");
// op "ok" answers normally.
import { delivery, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

export function handle(): i32 {
  const d = delivery();
  if (d.op == "exit") proc_exit(3);
  return replyOk("\"alive\"");
}
