// greeter: answers op "greet" with a greeting for its body. The greeting comes
// from the policy's `data` ({"greeting": "..."}), read through Extism config.
import { bodyText, config, delivery, jsonString, replyError, replyOk } from "../../../../extensions/sdk/assemblyscript/assembly/index";

export function handle(): i32 {
  const d = delivery();
  if (d.op != "greet") return replyError("E_NO_TARGET", "greeter: unknown op \"" + d.op + "\"; use \"greet\"");
  const greeting = config("greeting", "hello");
  return replyOk(jsonString(greeting + ", " + bodyText(d)));
}
