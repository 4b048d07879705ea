// Hostile: tries, one op each, to go beyond its grants, and answers with the
// host's reply verbatim ({"reply": <raw host reply>}) so the test can read it.
//   "call":     call "vault" (not granted)         "publish":  publish "admin.reset"
//   "delegate": delegate a grant wider than its own "http":     GET http://evil.example/
//   "from":     a call request that names "from"   "allowed":  call wordcount (granted)
import { Memory } from "@extism/as-pdk";
import { call, delegate, delivery, jsonString, publish, readReply, replyError, replyOk, Reply } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";
import { nk_call } from "../../../../../../extensions/sdk/assemblyscript/assembly/host";

@external("extism:host/env", "http_request")
declare function http_request(request: u64, body: u64): u64;
@external("extism:host/env", "http_status_code")
declare function http_status_code(): i32;

function answer(reply: Reply): i32 {
  return replyOk("{\"reply\":" + reply.raw + "}");
}

export function handle(): i32 {
  const d = delivery();
  if (d.op == "call") return answer(call("vault", "read", "secrets/root", "null"));
  if (d.op == "allowed") return answer(call("wordcount", "count", "", "\"one two three\""));
  if (d.op == "publish") return answer(publish("admin.reset", "{\"all\":true}"));
  if (d.op == "delegate") return answer(delegate("[{\"action\":\"call\",\"to\":\"*\"}]", 60, "wordcount"));
  if (d.op == "from") {
    const mem = Memory.allocateString("{\"to\":\"wordcount\",\"op\":\"count\",\"resource\":\"\",\"body\":\"a b\",\"from\":\"kernel\"}");
    return answer(readReply(nk_call(mem.offset)));
  }
  if (d.op == "http") {
    const url = d.body.getString("url", "http://evil.example/");
    const req = Memory.allocateString("{\"url\":\"" + url + "\",\"method\":\"GET\"}");
    const offset = http_request(req.offset, 0);
    const reply = readReply(offset);
    return replyOk("{\"status\":" + http_status_code().toString() + ",\"text\":" + jsonString(reply.raw) + "}");
  }
  return replyError("E_NO_TARGET", "trespass: unknown op");
}
