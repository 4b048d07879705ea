// Hostile: tries to take more memory than its grant allows.
//   "grow":   memory.grow until refused; answers {"pages": n, "refusedAt": n}
//   "alloc":  allocates 1 MiB arrays and keeps them until the runtime aborts
//   "extism": asks Extism's host-side allocator for 1 TiB
import { delivery, replyOk } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";

@external("extism:host/env", "alloc")
declare function extism_alloc(n: u64): u64;

const kept: Array<Uint8Array> = [];

export function handle(): i32 {
  const d = delivery();
  if (d.op == "grow") {
    let refusedAt: i32 = -1;
    for (let i = 0; i < 100000; i++) {
      if (memory.grow(1) < 0) {
        refusedAt = memory.size();
        break;
      }
    }
    return replyOk("{\"pages\":" + memory.size().toString() + ",\"refusedAt\":" + refusedAt.toString() + "}");
  }
  if (d.op == "extism") {
    const offset = extism_alloc(1 << 40);
    return replyOk(offset.toString());
  }
  for (let i = 0; i < 100000; i++) kept.push(new Uint8Array(1 << 20));
  return replyOk(kept.length.toString());
}
