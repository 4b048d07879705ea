/**
 * The body reader both sandboxes' HTTP doors use: nothing past the limit is
 * kept, the stream is cancelled, and what is returned owns its buffer.
 */
import { describe, expect, it } from 'vitest';
import { readCappedBody } from '../../sandboxes/read-capped.js';

/** A streamed response of `chunks` (no content-length), recording whether it was cancelled. */
function streamed(chunks: Uint8Array[]): { response: Response; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks.length) return controller.close();
      controller.enqueue(chunks[pulled++]!);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body), pulled: () => pulled, cancelled: () => cancelled };
}

const tooLarge = () => new Error('too large');

describe('readCappedBody', () => {
  it('returns the whole body, at the limit included, in a buffer of exactly its size', async () => {
    const { response } = streamed([new Uint8Array([1, 2]), new Uint8Array([3, 4, 5])]);
    const body = await readCappedBody(response, 5, tooLarge);
    expect([...body]).toEqual([1, 2, 3, 4, 5]);
    expect(body.buffer.byteLength).toBe(5);
    expect(await readCappedBody(new Response(null), 5, tooLarge)).toEqual(new Uint8Array(0));
  });

  it('refuses as soon as the bytes pass the limit, and cancels the rest of the stream', async () => {
    const source = streamed([new Uint8Array(4), new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)]);
    await expect(readCappedBody(source.response, 6, tooLarge)).rejects.toThrow('too large');
    expect(source.pulled()).toBeLessThan(4);
    expect(source.cancelled()).toBe(true);
  });
});
