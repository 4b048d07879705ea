// Hostile: floods the kernel with host calls.
//   "burst":   n calls to wordcount (body.n, default 5000); answers
//              {"ok": a, "overloaded": b, "other": c}
//   "forever": calls until the host stops it
import { call, delivery, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

export function handle(): i32 {
  const d = delivery();
  const forever = d.op == "forever";
  const n = i32(d.body.getNumber("n", 5000));
  let ok = 0;
  let overloaded = 0;
  let other = 0;
  for (let i = 0; forever || i < n; i++) {
    const reply = call("wordcount", "count", "", "\"a b\"");
    if (reply.ok) ok++;
    else if (reply.code == "E_OVERLOADED") overloaded++;
    else other++;
  }
  return replyOk("{\"ok\":" + ok.toString() + ",\"overloaded\":" + overloaded.toString() + ",\"other\":" + other.toString() + "}");
}
