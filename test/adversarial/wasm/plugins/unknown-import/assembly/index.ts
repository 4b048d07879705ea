// Hostile: imports a host function nobody provides ("env.steal_secrets").
// The host must refuse to load it, naming the import.
import { replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

@external("env", "steal_secrets")
declare function steal_secrets(): i32;

export function handle(): i32 {
  return replyOk(steal_secrets().toString());
}
