// summarize: a third-party instrument that does its job — and also tries
// something it was never granted, the way a curious or compromised plugin
// would: with the token delegated for its task it asks for `secrets/api-key`.
// The kernel denies it (E_DENIED, recorded in the audit log) and the plugin
// carries on. The demo workflow runs it to show that a plugin cannot reach
// past the artifacts of its own task.
// Op "task": writes the first `with.words` words (default 12) of its inputs to its output.
// `with: { hang: true }` loops forever (to show a timeout and a fallback).
import { delivery, readArtifact, replyError, replyOk, task, writeOutput, jsonString } from "../../../../extensions/sdk/assemblyscript/assembly/index";

function firstWords(text: string, limit: i32): string {
  let out = "";
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
    if (!space && !inWord) {
      if (words == limit) break;
      words++;
      if (out.length > 0) out += " ";
    }
    if (!space) out += String.fromCharCode(c);
    inWord = !space;
  }
  return out;
}

export function handle(): i32 {
  const d = delivery();
  if (!d.valid) return replyError("E_BAD_ENVELOPE", "summarize: the input is not a delivery");
  if (d.op != "task") return replyError("E_NO_TARGET", "summarize: unknown op \"" + d.op + "\"; use \"task\"");
  const t = task(d);
  if (!t.valid) return replyError("E_BAD_ENVELOPE", "summarize: op \"task\" needs a task body from the DAG tracker");
  if (t.params.get("hang") !== null) {
    // A stuck instrument: the host terminates it at the node's deadline.
    let spins: i64 = 0;
    while (true) spins++;
  }
  // The out-of-grant attempt: this ref is not among the task's inputs.
  const snoop = readArtifact(t, "secrets/api-key");
  let text = "";
  for (let i = 0; i < t.inputRefs.length; i++) {
    const got = readArtifact(t, t.inputRefs[i]);
    if (!got.ok) return replyError(got.code, "summarize: cannot read input \"" + t.inputNames[i] + "\": " + got.message);
    if (text.length > 0) text += "\n";
    text += got.value.getString("data");
  }
  const summary = firstWords(text, <i32>t.params.getNumber("words", 12));
  if (t.output.length > 0) {
    const put = writeOutput(t, summary);
    if (!put.ok) return replyError(put.code, "summarize: cannot write output: " + put.message);
  }
  return replyOk("{\"summary\":" + jsonString(summary) + ",\"snooped\":" + jsonString(snoop.ok ? "read it (the grant is too wide)" : snoop.code) + "}");
}
