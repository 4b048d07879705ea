// nanokernel SDK for AssemblyScript plugins (over @extism/as-pdk).
//
// A plugin exports `handle()`: it reads the delivery with `delivery()`, does its
// work, and answers with `replyOk(json)` or `replyError(code, message)`. It asks
// the kernel for things with `call`, `publish`, `subscribe`, `delegate`, `revoke` and `log`;
// each returns a `Reply` and never traps on a denial: check `reply.ok`.
//
// Build with scripts/build-plugins.mjs, which passes
// `--use abort=extensions/sdk/assemblyscript/assembly/index/nkAbort`. See docs/plugin-abi.md.
import { Config, Host, Memory } from "@extism/as-pdk";
import { nk_call, nk_delegate, nk_log, nk_publish, nk_revoke, nk_subscribe, extism_length } from "./host";
import { JsonValue, jsonString, parseJson, JSON_STRING } from "./json";

export { JsonValue, jsonString, parseJson } from "./json";
export { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } from "./json";

const NK_CALL: i32 = 0;
const NK_PUBLISH: i32 = 1;
const NK_SUBSCRIBE: i32 = 2;
const NK_DELEGATE: i32 = 3;
const NK_LOG: i32 = 4;
const NK_REVOKE: i32 = 5;

/** What the kernel answered: `ok` with `value`, or an error `code` and `message`. */
export class Reply {
  ok: bool = false;
  value: JsonValue = new JsonValue();
  code: string = "";
  message: string = "";
  /** The reply exactly as the host sent it. */
  raw: string = "";
}

function send(which: i32, request: string): Reply {
  const mem = Memory.allocateString(request);
  let offset: u64 = 0;
  if (which == NK_CALL) offset = nk_call(mem.offset);
  else if (which == NK_PUBLISH) offset = nk_publish(mem.offset);
  else if (which == NK_SUBSCRIBE) offset = nk_subscribe(mem.offset);
  else if (which == NK_DELEGATE) offset = nk_delegate(mem.offset);
  else if (which == NK_REVOKE) offset = nk_revoke(mem.offset);
  else offset = nk_log(mem.offset);
  mem.free();
  return readReply(offset);
}

/** Turn a host reply block into a `Reply` (and free the block). */
export function readReply(offset: u64): Reply {
  const reply = new Reply();
  if (offset == 0) {
    reply.code = "E_TARGET_CRASHED";
    reply.message = "the host returned no reply";
    return reply;
  }
  const block = new Memory(offset, extism_length(offset));
  reply.raw = block.toString();
  block.free();
  const parsed = parseJson(reply.raw);
  if (parsed === null) {
    reply.code = "E_BAD_ENVELOPE";
    reply.message = "the host reply was not JSON";
    return reply;
  }
  const ok = parsed.get("ok");
  if (ok !== null) {
    reply.ok = true;
    reply.value = ok;
    return reply;
  }
  const error = parsed.get("error");
  if (error !== null) {
    reply.code = error.getString("code", "E_TARGET_CRASHED");
    reply.message = error.getString("message");
  }
  return reply;
}

/** Call extension `to` with `op` on `resource`; `bodyJson` is the body as JSON text. */
export function call(to: string, op: string, resource: string, bodyJson: string = "null", timeoutMs: i32 = 0, cap: string = ""): Reply {
  let request = "{\"to\":" + jsonString(to) + ",\"op\":" + jsonString(op) + ",\"resource\":" + jsonString(resource) + ",\"body\":" + bodyJson;
  if (timeoutMs > 0) request += ",\"timeout_ms\":" + timeoutMs.toString();
  if (cap.length > 0) request += ",\"cap\":" + jsonString(cap);
  return send(NK_CALL, request + "}");
}

/** Publish an event on `topic`. */
export function publish(topic: string, bodyJson: string = "null"): Reply {
  return send(NK_PUBLISH, "{\"topic\":" + jsonString(topic) + ",\"body\":" + bodyJson + "}");
}

/** Subscribe to `topic`; events arrive as deliveries of kind "event". */
export function subscribe(topic: string): Reply {
  return send(NK_SUBSCRIBE, "{\"topic\":" + jsonString(topic) + "}");
}

/** Ask the kernel to mint a token for `to`, no wider than ours; the token is `reply.value.str`. */
export function delegate(grantsJson: string, ttlSeconds: i32, to: string, cap: string = ""): Reply {
  let request = "{\"grants\":" + grantsJson + ",\"ttl_seconds\":" + ttlSeconds.toString() + ",\"to\":" + jsonString(to);
  if (cap.length > 0) request += ",\"cap\":" + jsonString(cap);
  return send(NK_DELEGATE, request + "}");
}

/**
 * Revoke a token this plugin delegated (and everything delegated from it) when the
 * work it was for is over. Any other token is refused with E_DENIED.
 */
export function revoke(token: string): Reply {
  return send(NK_REVOKE, "{\"token\":" + jsonString(token) + "}");
}

/** Log a message ("debug" | "info" | "warn" | "error"); never log bodies or tokens. */
export function log(level: string, message: string): Reply {
  return send(NK_LOG, "{\"level\":" + jsonString(level) + ",\"message\":" + jsonString(message) + "}");
}

/** A value from the policy's `data` for this plugin (strings as-is, other values as JSON), or `fallback`. */
export function config(key: string, fallback: string = ""): string {
  const value = Config.get(key);
  return value === null ? fallback : value;
}

/** The message being handled: what `handle()` receives. */
export class Delivery {
  kind: string = "";
  op: string = "";
  resource: string = "";
  from: string = "";
  traceId: string = "";
  body: JsonValue = new JsonValue();
  valid: bool = false;
}

/** Read the delivery passed to `handle()`. `valid` is false when the input is not a delivery. */
export function delivery(): Delivery {
  const out = new Delivery();
  const parsed = parseJson(Host.inputString());
  if (parsed === null) return out;
  out.kind = parsed.getString("kind");
  out.op = parsed.getString("op");
  out.resource = parsed.getString("resource");
  out.from = parsed.getString("from");
  out.traceId = parsed.getString("trace_id");
  const body = parsed.get("body");
  if (body !== null) out.body = body;
  out.valid = true;
  return out;
}

function output(text: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(text)));
}

/** Answer the delivery with a body (JSON text). Returns 0 for `handle` to return. */
export function replyOk(bodyJson: string): i32 {
  output("{\"ok\":" + bodyJson + "}");
  return 0;
}

/** Answer the delivery with an error (a code from docs/errors.md). Returns 0 for `handle` to return. */
export function replyError(code: string, message: string): i32 {
  output("{\"error\":{\"code\":" + jsonString(code) + ",\"message\":" + jsonString(message) + "}}");
  return 0;
}

/** Forward a host reply as this plugin's answer (ok body or error unchanged). */
export function replyWith(reply: Reply): i32 {
  if (reply.ok) return replyOk(reply.value.raw);
  return replyError(reply.code, reply.message);
}

/** A string body, or "" when the body is not a string. */
export function bodyText(d: Delivery): string {
  return d.body.kind == JSON_STRING ? d.body.str : "";
}

/**
 * The abort handler every plugin is built with: AssemblyScript calls it on a
 * failed assertion, an out-of-bounds access or an allocation the memory limit
 * refuses. It traps, so the host answers E_TARGET_CRASHED and rebuilds the plugin.
 */
export function nkAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}

export { Task, task, readArtifact, writeOutput } from "./task";
