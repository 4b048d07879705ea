// A small JSON reader and writer for plugins: enough to read the delivery and
// host replies without a dependency. Values keep their exact source text in
// `raw`, so a plugin can forward a body without re-encoding it.

export const JSON_NULL: i32 = 0;
export const JSON_BOOL: i32 = 1;
export const JSON_NUMBER: i32 = 2;
export const JSON_STRING: i32 = 3;
export const JSON_ARRAY: i32 = 4;
export const JSON_OBJECT: i32 = 5;

const MAX_DEPTH: i32 = 64;

/** One parsed JSON value. Objects keep their keys in order in `keys`, values in `items`. */
export class JsonValue {
  kind: i32 = JSON_NULL;
  raw: string = "null";
  str: string = "";
  num: f64 = 0;
  flag: bool = false;
  items: Array<JsonValue> = [];
  keys: Array<string> = [];

  /** The member `key` of an object, or null. */
  get(key: string): JsonValue | null {
    if (this.kind != JSON_OBJECT) return null;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.items[i];
    }
    return null;
  }

  /** The string member `key`, or `fallback` when it is missing or not a string. */
  getString(key: string, fallback: string = ""): string {
    const value = this.get(key);
    if (value === null || value.kind != JSON_STRING) return fallback;
    return value.str;
  }

  /** The number member `key`, or `fallback`. */
  getNumber(key: string, fallback: f64 = 0): f64 {
    const value = this.get(key);
    if (value === null || value.kind != JSON_NUMBER) return fallback;
    return value.num;
  }
}

class Parser {
  src: string;
  pos: i32 = 0;
  failed: bool = false;

  constructor(src: string) {
    this.src = src;
  }

  skip(): void {
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return;
      this.pos++;
    }
  }

  fail(): JsonValue {
    this.failed = true;
    return new JsonValue();
  }

  value(depth: i32): JsonValue {
    if (depth > MAX_DEPTH) return this.fail();
    this.skip();
    if (this.pos >= this.src.length) return this.fail();
    const start = this.pos;
    const c = this.src.charCodeAt(this.pos);
    let out: JsonValue;
    if (c == 0x7b) out = this.object(depth);
    else if (c == 0x5b) out = this.array(depth);
    else if (c == 0x22) {
      out = new JsonValue();
      out.kind = JSON_STRING;
      out.str = this.string();
    } else if (this.literal("true")) {
      out = new JsonValue();
      out.kind = JSON_BOOL;
      out.flag = true;
    } else if (this.literal("false")) {
      out = new JsonValue();
      out.kind = JSON_BOOL;
    } else if (this.literal("null")) out = new JsonValue();
    else out = this.number();
    out.raw = this.src.substring(start, this.pos);
    return out;
  }

  literal(word: string): bool {
    if (this.src.substr(this.pos, word.length) != word) return false;
    this.pos += word.length;
    return true;
  }

  number(): JsonValue {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      const numeric = (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2b || c == 0x2e || c == 0x65 || c == 0x45;
      if (!numeric) break;
      this.pos++;
    }
    if (this.pos == start) return this.fail();
    const out = new JsonValue();
    out.kind = JSON_NUMBER;
    out.num = parseFloat(this.src.substring(start, this.pos));
    if (isNaN(out.num)) return this.fail();
    return out;
  }

  string(): string {
    this.pos++; // opening quote
    let out = "";
    let run = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c == 0x22) {
        out += this.src.substring(run, this.pos);
        this.pos++;
        return out;
      }
      if (c == 0x5c) {
        out += this.src.substring(run, this.pos);
        if (this.pos + 1 >= this.src.length) break;
        const e = this.src.charCodeAt(this.pos + 1);
        this.pos += 2;
        if (e == 0x6e) out += "\n";
        else if (e == 0x74) out += "\t";
        else if (e == 0x72) out += "\r";
        else if (e == 0x62) out += "\b";
        else if (e == 0x66) out += "\f";
        else if (e == 0x75) {
          if (this.pos + 4 > this.src.length) break;
          const code = I32.parseInt(this.src.substr(this.pos, 4), 16);
          out += String.fromCharCode(code);
          this.pos += 4;
        } else out += String.fromCharCode(e);
        run = this.pos;
        continue;
      }
      this.pos++;
    }
    this.failed = true;
    return out;
  }

  array(depth: i32): JsonValue {
    const out = new JsonValue();
    out.kind = JSON_ARRAY;
    this.pos++;
    this.skip();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 0x5d) {
      this.pos++;
      return out;
    }
    while (!this.failed) {
      out.items.push(this.value(depth + 1));
      this.skip();
      if (this.pos >= this.src.length) return this.fail();
      const c = this.src.charCodeAt(this.pos++);
      if (c == 0x5d) return out;
      if (c != 0x2c) return this.fail();
    }
    return out;
  }

  object(depth: i32): JsonValue {
    const out = new JsonValue();
    out.kind = JSON_OBJECT;
    this.pos++;
    this.skip();
    if (this.pos < this.src.length && this.src.charCodeAt(this.pos) == 0x7d) {
      this.pos++;
      return out;
    }
    while (!this.failed) {
      this.skip();
      if (this.pos >= this.src.length || this.src.charCodeAt(this.pos) != 0x22) return this.fail();
      out.keys.push(this.string());
      this.skip();
      if (this.pos >= this.src.length || this.src.charCodeAt(this.pos) != 0x3a) return this.fail();
      this.pos++;
      out.items.push(this.value(depth + 1));
      this.skip();
      if (this.pos >= this.src.length) return this.fail();
      const c = this.src.charCodeAt(this.pos++);
      if (c == 0x7d) return out;
      if (c != 0x2c) return this.fail();
    }
    return out;
  }
}

/** Parse `text` as one JSON value; null when it is not valid JSON. */
export function parseJson(text: string): JsonValue | null {
  const parser = new Parser(text);
  const value = parser.value(0);
  parser.skip();
  if (parser.failed || parser.pos != text.length) return null;
  return value;
}

/** `s` as a JSON string literal, quotes included. */
export function jsonString(s: string): string {
  let out = "\"";
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c || c < 0x20) {
      out += s.substring(run, i);
      if (c == 0x22) out += "\\\"";
      else if (c == 0x5c) out += "\\\\";
      else if (c == 0x0a) out += "\\n";
      else if (c == 0x0d) out += "\\r";
      else if (c == 0x09) out += "\\t";
      else out += "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
      run = i + 1;
    }
  }
  return out + s.substring(run) + "\"";
}
