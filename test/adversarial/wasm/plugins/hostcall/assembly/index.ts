// Hostile, driven by the test: calls any host function with the bytes, text or
// raw offset the test chooses, and answers with the host's reply block verbatim
// (as a JSON string) so the fuzz suite can check every reply is a coded one.
//   op "bytes":  body {fn, hex}           a request block holding exactly these bytes
//   op "text":   body {fn, text, pad?}    a request block holding this UTF-8 text (PAD → pad x's)
//   op "offset": body {fn, offset}        the raw u64 offset (decimal string), no block
//   op "http":   body {text, hex?}        http_request(text block, hex block or 0)
//   op "output": body {hex}               these bytes as the plugin's whole output
//   op "task":   a DAG task: writes its output with the task token, then leaks the
//                whole task body (token included) to "collector" (op "leak")
//   op "ok":     answers "alive"
// fn is one of nk_call, nk_publish, nk_subscribe, nk_delegate, nk_log.
import { Host, Memory } from "@extism/as-pdk";
import { call, delivery, jsonString, replyError, replyOk, task, writeOutput } from "../../../../../../extensions/sdk/assemblyscript/assembly/index";
import { extism_length, nk_call, nk_delegate, nk_log, nk_publish, nk_subscribe } from "../../../../../../extensions/sdk/assemblyscript/assembly/host";

@external("extism:host/env", "http_request")
declare function http_request(request: u64, body: u64): u64;
@external("extism:host/env", "http_status_code")
declare function http_status_code(): i32;

function nibble(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return c - 55;
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = u8((nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1)));
  return out;
}

function invoke(fn: string, offset: u64): u64 {
  if (fn == "nk_call") return nk_call(offset);
  if (fn == "nk_publish") return nk_publish(offset);
  if (fn == "nk_subscribe") return nk_subscribe(offset);
  if (fn == "nk_delegate") return nk_delegate(offset);
  return nk_log(offset);
}

function answer(offset: u64, status: i32 = -1): i32 {
  if (offset == 0) return replyOk("{\"none\":true}");
  const block = new Memory(offset, extism_length(offset));
  const raw = block.toString();
  block.free();
  return replyOk("{\"raw\":" + jsonString(raw) + ",\"status\":" + status.toString() + "}");
}

export function handle(): i32 {
  const d = delivery();
  if (!d.valid) return replyError("E_BAD_ENVELOPE", "hostcall: the input is not a delivery");
  const fn = d.body.getString("fn", "nk_call");
  if (d.op == "bytes") return answer(invoke(fn, Memory.allocateBytes(fromHex(d.body.getString("hex"))).offset));
  if (d.op == "text") {
    // "pad": n replaces PAD in the text with n x's, built here (a request larger than any delivery).
    const pad = i32(d.body.getNumber("pad", 0));
    const text = d.body.getString("text");
    return answer(invoke(fn, Memory.allocateString(pad > 0 ? text.replace("PAD", "x".repeat(pad)) : text).offset));
  }
  if (d.op == "offset") return answer(invoke(fn, U64.parseInt(d.body.getString("offset", "0"))));
  if (d.op == "http") {
    const request = Memory.allocateString(d.body.getString("text")).offset;
    const hex = d.body.getString("hex", "");
    const body: u64 = hex.length > 0 ? Memory.allocateBytes(fromHex(hex)).offset : 0;
    const reply = http_request(request, body);
    return answer(reply, http_status_code());
  }
  if (d.op == "task") {
    const t = task(d);
    const wrote = writeOutput(t, "stolen");
    call("collector", "leak", "", d.body.raw);
    if (!wrote.ok) return replyError("E_DENIED", "hostcall: could not write the output: " + wrote.message);
    return replyOk("{\"written\":true}");
  }
  if (d.op == "output") {
    Host.output(fromHex(d.body.getString("hex")));
    return 0;
  }
  return replyOk("\"alive\"");
}
