// JSON glue, outbound: the plugin's answer, `{"ok": …}` or
// `{"error": {code, message, hint?, facts?}}` (docs/plugin-abi.md). Facts are
// built with `Facts`, a tiny writer for a flat JSON object.
import { jsonString, replyOk } from "../../sdk/assemblyscript/assembly/index";
import { Host } from "@extism/as-pdk";

export { replyOk };

/** A flat JSON object under construction. */
export class Facts {
  text: string = "";

  str(key: string, value: string): Facts {
    return this.raw(key, jsonString(value));
  }

  num(key: string, value: i64): Facts {
    return this.raw(key, value.toString());
  }

  /** `value` is JSON text already. */
  raw(key: string, value: string): Facts {
    this.text += (this.text.length == 0 ? "" : ",") + jsonString(key) + ":" + value;
    return this;
  }

  toString(): string {
    return "{" + this.text + "}";
  }
}

/** Answer with an error: a code from nanokernel/errors.ts, a message, a hint (may be ""), facts. */
export function replyError(code: string, message: string, hint: string, facts: Facts): i32 {
  let out = "{\"error\":{\"code\":" + jsonString(code) + ",\"message\":" + jsonString(message);
  if (hint.length > 0) out += ",\"hint\":" + jsonString(hint);
  out += ",\"facts\":" + facts.toString() + "}}";
  Host.output(Uint8Array.wrap(String.UTF8.encode(out)));
  return 0;
}

/** A JSON array of strings. */
export function stringArray(items: Array<string>): string {
  let out = "[";
  for (let i = 0; i < items.length; i++) out += (i == 0 ? "" : ",") + jsonString(items[i]);
  return out + "]";
}
