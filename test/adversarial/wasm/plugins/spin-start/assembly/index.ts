// Hostile: loops forever in its start-up code (AssemblyScript top-level
// statements run while the module is instantiated), before any delivery.
import { replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

let counter: u64 = 1;
while (counter != 0) counter++;

export function handle(): i32 {
  return replyOk(counter.toString());
}
