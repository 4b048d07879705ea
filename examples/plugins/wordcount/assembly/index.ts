// wordcount: a well-behaved third-party instrument.
// Op "count": answers {"words": n, "chars": n} for a string body (or {"text": "..."}).
// Op "task": a workflow task: reads each input artifact with the token the DAG
// tracker delegated for this task, counts its words, writes the counts as JSON
// to the task's output, and answers them. `with: { failAttempts: n }` makes the
// first n attempts fail (to show retries); it needs no grants of its own.
import { bodyText, delivery, readArtifact, replyError, replyOk, task, writeOutput } from "../../../../extensions/sdk/assemblyscript/assembly/index";

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 || c == 0x0c || c == 0x0b;
}

function countWords(text: string): i32 {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

function runTask(): i32 {
  const t = task(delivery());
  if (!t.valid) return replyError("E_BAD_ENVELOPE", "wordcount: op \"task\" needs a task body from the DAG tracker");
  const failAttempts = <i32>t.params.getNumber("failAttempts", 0);
  if (t.attempt <= failAttempts) {
    return replyError("E_TARGET_CRASHED", "wordcount: transient failure on attempt " + t.attempt.toString() + " (failAttempts = " + failAttempts.toString() + ")");
  }
  let words = 0;
  let chars = 0;
  for (let i = 0; i < t.inputRefs.length; i++) {
    const got = readArtifact(t, t.inputRefs[i]);
    if (!got.ok) return replyError(got.code, "wordcount: cannot read input \"" + t.inputNames[i] + "\": " + got.message);
    const text = got.value.getString("data");
    words += countWords(text);
    chars += text.length;
  }
  const result = "{\"words\":" + words.toString() + ",\"chars\":" + chars.toString() + "}";
  if (t.output.length > 0) {
    const put = writeOutput(t, result);
    if (!put.ok) return replyError(put.code, "wordcount: cannot write output: " + put.message);
  }
  return replyOk(result);
}

export function handle(): i32 {
  const d = delivery();
  if (!d.valid) return replyError("E_BAD_ENVELOPE", "wordcount: the input is not a delivery");
  if (d.op == "task") return runTask();
  if (d.op != "count") return replyError("E_NO_TARGET", "wordcount: unknown op \"" + d.op + "\"; use \"count\" or \"task\"");
  let text = bodyText(d);
  if (text.length == 0) text = d.body.getString("text");
  return replyOk("{\"words\":" + countWords(text).toString() + ",\"chars\":" + text.length.toString() + "}");
}
