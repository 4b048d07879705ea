// Hostile: calls host functions with garbage offsets and payloads, and answers
// with the host's reply verbatim so the test can check its code.
//   "bad-offset": nk_call(0xdeadbeefdeadbeef)   "zero":     nk_call(0)
//   "bad-utf8":   a request block of invalid UTF-8  "bad-json": a block that is not JSON
//   "bad-shape":  JSON of the wrong shape          "huge":     a 3 MiB request
//   "load-garbage": load_u64 at a garbage offset (traps)
//   "output-garbage": output_set on a block that does not exist (traps)
import { Memory } from "@extism/as-pdk";
import { delivery, readReply, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";
import { nk_call, nk_log } from "../../../../../../extensions/sdk/assemblyscript/assembly/host";

@external("extism:host/env", "load_u64")
declare function load_u64(offset: u64): u64;
@external("extism:host/env", "output_set")
declare function output_set(offset: u64, length: u64): void;

function answer(offset: u64): i32 {
  return replyOk("{\"reply\":" + readReply(offset).raw + "}");
}

function bytesBlock(bytes: Uint8Array): u64 {
  return Memory.allocateBytes(bytes).offset;
}

export function handle(): i32 {
  const d = delivery();
  if (d.op == "bad-offset") return answer(nk_call(0xdeadbeefdeadbeef));
  if (d.op == "zero") return answer(nk_log(0));
  if (d.op == "bad-utf8") {
    const bad = new Uint8Array(4);
    bad[0] = 0xff; bad[1] = 0xfe; bad[2] = 0xc3; bad[3] = 0x28;
    return answer(nk_call(bytesBlock(bad)));
  }
  if (d.op == "bad-json") return answer(nk_call(Memory.allocateString("{not json").offset));
  if (d.op == "bad-shape") return answer(nk_call(Memory.allocateString("{\"to\":42,\"op\":[]}").offset));
  if (d.op == "huge") return answer(nk_call(Memory.allocate(3 * 1024 * 1024).offset));
  if (d.op == "load-garbage") return replyOk(load_u64(0x7fff000000001234).toString());
  if (d.op == "output-garbage") {
    output_set(0x00ff000000000000, 16);
    return 0;
  }
  return replyOk("\"alive\"");
}
