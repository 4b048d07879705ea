// The pool's configuration: the policy's `data` for the pool, read through
// Extism config (each top-level key; strings as-is, other values as JSON).
//
//   slots:       { <instrument>: <1..10000> }   instruments and their slot counts (required)
//   modes:       { <instrument>: "shared" | "exclusive" }   default "shared"
//   leaseTtlMs:  longest ttl one lease or renewal gets (1..86400000, default 86400000);
//                a longer `ttlMs` is cut to it, and the reply's `expiresAt` says so
//   ticketTtlMs: a queued ticket not claimed for this long is abandoned
//                (1..86400000, default 30000)
//
// Read once, at the first delivery. A bad value does not crash the plugin:
// every op then answers E_POLICY_INVALID naming the key.
import { config, parseJson, JsonValue, JSON_NUMBER, JSON_OBJECT, JSON_STRING } from "../../sdk/assemblyscript/assembly/index";
import { addInstrument, Instrument, MODE_EXCLUSIVE, MODE_SHARED } from "./table";

export const MAX_TTL_MS: i64 = 86_400_000;
export const MAX_SLOTS: i32 = 10_000;

export let loaded: bool = false;
/** Empty when the configuration is valid; else what is wrong. */
export let problem: string = "";
/** The data key the problem is in. */
export let problemKey: string = "";
export let leaseTtlMs: i64 = MAX_TTL_MS;
export let ticketTtlMs: i64 = 30_000;

function refuse(key: string, message: string): void {
  if (problem.length == 0) {
    problem = message;
    problemKey = key;
  }
}

/** An integer in [min, max] read from config `key`, or `fallback` when absent. */
function integer(key: string, min: i64, max: i64, fallback: i64): i64 {
  const text = config(key, "");
  if (text.length == 0) return fallback;
  const value = parseJson(text);
  if (value === null || value.kind != JSON_NUMBER || !isWhole(value.num, min, max)) {
    refuse(key, "data." + key + " must be an integer from " + min.toString() + " to " + max.toString());
    return fallback;
  }
  return <i64>value.num;
}

export function isWhole(n: f64, min: i64, max: i64): bool {
  return isFinite(n) && Math.floor(n) == n && n >= <f64>min && n <= <f64>max;
}

/** An instrument name the kernel can route: 1..128 characters, no "*", no control characters. */
function validName(name: string): bool {
  if (name.length == 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c == 0x7f || c == 0x2a) return false;
  }
  return true;
}

function objectAt(key: string): JsonValue | null {
  const text = config(key, "");
  if (text.length == 0) return null;
  const value = parseJson(text);
  if (value === null || value.kind != JSON_OBJECT) {
    refuse(key, "data." + key + " must be a mapping");
    return null;
  }
  return value;
}

/** Read the configuration (once) and build the instrument table. */
export function load(): void {
  if (loaded) return;
  loaded = true;
  leaseTtlMs = integer("leaseTtlMs", 1, MAX_TTL_MS, MAX_TTL_MS);
  ticketTtlMs = integer("ticketTtlMs", 1, MAX_TTL_MS, 30_000);
  const slots = objectAt("slots");
  const modes = objectAt("modes");
  if (slots === null) {
    refuse("slots", "data.slots is missing: name each instrument and its slot count, e.g. { wordcount: 4 }");
    return;
  }
  const built: Array<Instrument> = [];
  for (let i = 0; i < slots.keys.length; i++) {
    const name = slots.keys[i];
    const count = slots.items[i];
    let duplicate = false;
    for (let j = 0; j < i; j++) if (slots.keys[j] == name) duplicate = true;
    if (duplicate) refuse("slots", "data.slots names \"" + name + "\" twice");
    else if (!validName(name)) refuse("slots", "data.slots: \"" + name + "\" is not a valid instrument name (1-128 characters, no \"*\" or control characters)");
    else if (count.kind != JSON_NUMBER || !isWhole(count.num, 1, MAX_SLOTS)) refuse("slots", "data.slots." + name + " must be an integer from 1 to " + MAX_SLOTS.toString());
    let mode = MODE_SHARED;
    if (modes !== null) {
      const m = modes.get(name);
      if (m !== null) {
        if (m.kind == JSON_STRING && m.str == "exclusive") mode = MODE_EXCLUSIVE;
        else if (!(m.kind == JSON_STRING && m.str == "shared")) refuse("modes", "data.modes." + name + " must be \"shared\" or \"exclusive\"");
      }
    }
    built.push(new Instrument(name, <i32>count.num, mode));
  }
  if (modes !== null) {
    for (let i = 0; i < modes.keys.length; i++) {
      if (slots.get(modes.keys[i]) === null) refuse("modes", "data.modes names \"" + modes.keys[i] + "\", which has no entry in data.slots");
    }
  }
  if (problem.length > 0) return;
  for (let i = 0; i < built.length; i++) addInstrument(built[i]);
}
