// Workflow tasks: what the DAG tracker sends an instrument (op "task"), and
// reading and writing the task's artifacts with the token delegated for it.
// The token (`cap`) allows `get` on exactly the task's inputs and `put` on
// exactly its output; anything else is denied by the kernel.
import { call, Delivery, Reply } from "./index";
import { JsonValue, jsonString, JSON_OBJECT } from "./json";

export class Task {
  runId: string = "";
  nodeId: string = "";
  attempt: i32 = 1;
  idempotencyKey: string = "";
  /** Input names, and the artifact ref of each (same order). */
  inputNames: Array<string> = [];
  inputRefs: Array<string> = [];
  output: string = "";
  cap: string = "";
  params: JsonValue = new JsonValue();
  valid: bool = false;
}

/** The task in a delivery's body (`valid` is false when the body is not a task). */
export function task(d: Delivery): Task {
  const out = new Task();
  const body = d.body;
  if (body.kind != JSON_OBJECT) return out;
  out.runId = body.getString("runId");
  out.nodeId = body.getString("nodeId");
  out.attempt = <i32>body.getNumber("attempt", 1);
  out.idempotencyKey = body.getString("idempotencyKey");
  out.output = body.getString("output");
  out.cap = body.getString("cap");
  const inputs = body.get("inputs");
  if (inputs !== null && inputs.kind == JSON_OBJECT) {
    for (let i = 0; i < inputs.keys.length; i++) {
      out.inputNames.push(inputs.keys[i]);
      out.inputRefs.push(inputs.items[i].str);
    }
  }
  const params = body.get("params");
  if (params !== null) out.params = params;
  out.valid = out.runId.length > 0 && out.nodeId.length > 0;
  return out;
}

/** Read an artifact as UTF-8 text with the task's token; `reply.value.getString("data")` is the text. */
export function readArtifact(t: Task, ref: string): Reply {
  return call("artifacts", "get", ref, "{\"encoding\":\"utf8\"}", 0, t.cap);
}

/** Write `text` to the task's output ref with the task's token. */
export function writeOutput(t: Task, text: string): Reply {
  return call("artifacts", "put", t.output, "{\"data\":" + jsonString(text) + ",\"encoding\":\"utf8\"}", 0, t.cap);
}
