// wordcount: a well-behaved plugin. Op "count" answers {"words": n} for a string
// body (or {"text": "..."}); it needs no grants at all.
import { bodyText, delivery, replyError, replyOk } from "../../../../extensions/sdk/assemblyscript/assembly/index";

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 || c == 0x0c || c == 0x0b;
}

export function handle(): i32 {
  const d = delivery();
  if (!d.valid) return replyError("E_BAD_ENVELOPE", "wordcount: the input is not a delivery");
  if (d.op != "count") return replyError("E_NO_TARGET", "wordcount: unknown op \"" + d.op + "\"; use \"count\"");
  let text = bodyText(d);
  if (text.length == 0) text = d.body.getString("text");
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return replyOk("{\"words\":" + words.toString() + ",\"chars\":" + text.length.toString() + "}");
}
