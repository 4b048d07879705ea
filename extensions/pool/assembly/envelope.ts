// JSON glue, inbound: the envelope the kernel delivers (docs/plugin-abi.md),
// read once per delivery, plus strict checks for op bodies (the same rules as
// the zod schemas in extensions/pool/protocol.ts: no unknown keys, typed fields).
import { Host } from "@extism/as-pdk";
import { parseJson, JsonValue, JSON_NUMBER, JSON_OBJECT, JSON_STRING } from "../../sdk/assemblyscript/assembly/index";
import { isWhole } from "./config";

/** What `handle()` receives. `ts` is the kernel's stamp (epoch ms): the pool's only clock. */
export class Envelope {
  valid: bool = false;
  /** The field that made it invalid. */
  field: string = "";
  kind: string = "";
  op: string = "";
  resource: string = "";
  from: string = "";
  ts: i64 = 0;
  body: JsonValue = new JsonValue();
}

/** Parse the delivery; `valid` is false (with `field`) when it is not an envelope. */
export function readEnvelope(): Envelope {
  const out = new Envelope();
  const parsed = parseJson(Host.inputString());
  if (parsed === null || parsed.kind != JSON_OBJECT) {
    out.field = "(input)";
    return out;
  }
  out.kind = parsed.getString("kind");
  out.op = parsed.getString("op");
  out.resource = parsed.getString("resource");
  out.from = parsed.getString("from");
  const ts = parsed.get("ts");
  if (ts === null || ts.kind != JSON_NUMBER || !isWhole(ts.num, 0, 8_640_000_000_000_000)) {
    out.field = "ts";
    return out;
  }
  out.ts = <i64>ts.num;
  if (out.from.length == 0) {
    out.field = "from";
    return out;
  }
  const body = parsed.get("body");
  if (body !== null) out.body = body;
  out.valid = true;
  return out;
}

/** Checks a body field by field; the first failure is kept in `field`/`problem`. */
export class BodyReader {
  body: JsonValue;
  field: string = "";
  problem: string = "";

  constructor(body: JsonValue, allowed: Array<string>) {
    this.body = body;
    if (body.kind != JSON_OBJECT) this.fail("body", "the body must be a JSON object");
    else {
      for (let i = 0; i < body.keys.length; i++) {
        if (!allowed.includes(body.keys[i])) {
          this.fail(body.keys[i], "unknown field \"" + body.keys[i] + "\" (allowed: " + (allowed.length == 0 ? "none" : allowed.join(", ")) + ")");
          break;
        }
      }
    }
  }

  get ok(): bool {
    return this.field.length == 0;
  }

  fail(field: string, problem: string): void {
    if (this.field.length > 0) return;
    this.field = field;
    this.problem = problem;
  }

  /** A required string of `min..max` characters. */
  string(key: string, min: i32, max: i32): string {
    if (!this.ok) return "";
    const v = this.body.get(key);
    if (v === null || v.kind != JSON_STRING) {
      this.fail(key, "\"" + key + "\" must be a string");
      return "";
    }
    if (v.str.length < min || v.str.length > max) {
      this.fail(key, "\"" + key + "\" must have " + min.toString() + " to " + max.toString() + " characters");
      return "";
    }
    return v.str;
  }

  /** A required integer in `min..max`. */
  integer(key: string, min: i64, max: i64): i64 {
    if (!this.ok) return 0;
    const v = this.body.get(key);
    if (v === null || v.kind != JSON_NUMBER || !isWhole(v.num, min, max)) {
      this.fail(key, "\"" + key + "\" must be an integer from " + min.toString() + " to " + max.toString());
      return 0;
    }
    return <i64>v.num;
  }
}
