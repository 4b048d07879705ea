/**
 * Reading an HTTP response body for an extension without letting it grow past
 * the extension's limit: refused as soon as the bytes received pass `limit`
 * (leaving the loop cancels the stream). Shared by the Wasm `http_request`
 * bridge and the worker `fetch` endowment.
 *
 * @module
 */

/**
 * The whole body in a fresh, exact-size buffer: `Buffer.concat` may return a slice
 * of Node's shared pool, and structured clone (and Extism's CallContext.store)
 * copy a view's whole backing buffer.
 */
export async function readCappedBody(response: Response, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > limit) throw tooLarge();
      chunks.push(chunk);
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
