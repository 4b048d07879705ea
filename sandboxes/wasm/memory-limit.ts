/**
 * Cap a module's linear memory at what its grant allows. Extism JS 1.0.3 has no
 * `memory.maxPages` option and Wasm memory lives outside the V8 heap (so a
 * worker's `resourceLimits` do not bound it), so the host rewrites the module's
 * memory section before compiling: the declared maximum becomes
 * `min(declared, granted)`. `memory.grow` past it then returns -1 inside the
 * plugin, which AssemblyScript turns into an abort (a trap).
 *
 * @module
 */
import { KernelError } from '../../nanokernel/errors.js';

/** Wasm pages are 64 KiB: 16 per MiB. */
export const PAGES_PER_MB = 16;
const MEMORY_SECTION = 5;

interface Cursor {
  pos: number;
}

function readU32(bytes: Uint8Array, at: Cursor): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (at.pos >= bytes.length || shift > 28) throw malformed('a LEB128 number runs past its section');
    const byte = bytes[at.pos++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function malformed(detail: string): KernelError {
  return new KernelError('E_DENIED', `the plugin is not a well-formed Wasm module: ${detail}`, {
    facts: { reason: 'malformed-module' },
    hint: 'rebuild the plugin with a standard toolchain (docs/plugin-abi.md)',
  });
}

/** What the memory section declared, and the module rewritten with the cap applied. */
export interface MemoryCap {
  readonly bytes: Uint8Array;
  readonly declaredMinPages: number | null;
  readonly declaredMaxPages: number | null;
  readonly maxPages: number;
}

/**
 * Rewrite the memory section of `module` so its maximum is at most `maxPages`.
 * Refuses (E_DENIED) shared or 64-bit memories, more than one memory, and a
 * minimum above the grant.
 */
export function capMemory(module: Uint8Array, maxPages: number): MemoryCap {
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) {
    throw malformed('missing the \\0asm header');
  }
  const at: Cursor = { pos: 8 };
  while (at.pos < module.length) {
    const sectionStart = at.pos;
    const id = module[at.pos++]!;
    const size = readU32(module, at);
    const payloadStart = at.pos;
    const end = payloadStart + size;
    if (end > module.length) throw malformed(`section ${id} runs past the end of the file`);
    if (id === MEMORY_SECTION) return rewrite(module, sectionStart, payloadStart, end, maxPages);
    at.pos = end;
  }
  return { bytes: module, declaredMinPages: null, declaredMaxPages: null, maxPages };
}

function rewrite(module: Uint8Array, sectionStart: number, payloadStart: number, end: number, maxPages: number): MemoryCap {
  const at: Cursor = { pos: payloadStart };
  const count = readU32(module, at);
  if (count === 0) return { bytes: module, declaredMinPages: null, declaredMaxPages: null, maxPages };
  if (count > 1) throw denied('declares more than one memory', { memories: count });
  const flags = readU32(module, at);
  if (flags > 1) throw denied('declares a shared or 64-bit memory', { memoryFlags: flags });
  const min = readU32(module, at);
  const declaredMax = flags === 1 ? readU32(module, at) : null;
  if (at.pos !== end) throw malformed('the memory section has trailing bytes');
  if (min > maxPages) {
    throw new KernelError('E_DENIED', `the plugin needs ${min} memory pages at start but its grant allows ${maxPages}`, {
      facts: { reason: 'memory', declaredMinPages: min, grantedPages: maxPages },
      hint: `raise host.memoryMb in the plugin's policy to at least ${Math.ceil(min / PAGES_PER_MB)}`,
    });
  }
  const cap = declaredMax === null ? maxPages : Math.min(declaredMax, maxPages);
  const payload = [...writeU32(1), ...writeU32(1), ...writeU32(min), ...writeU32(cap)];
  const section = [MEMORY_SECTION, ...writeU32(payload.length), ...payload];
  const out = new Uint8Array(module.length - (end - sectionStart) + section.length);
  out.set(module.subarray(0, sectionStart), 0);
  out.set(section, sectionStart);
  out.set(module.subarray(end), sectionStart + section.length);
  return { bytes: out, declaredMinPages: min, declaredMaxPages: declaredMax, maxPages: cap };
}

function denied(what: string, facts: Record<string, unknown>): KernelError {
  return new KernelError('E_DENIED', `the plugin ${what}; the Wasm sandbox supports one unshared 32-bit memory`, {
    facts: { reason: 'memory', ...facts },
    hint: 'build the plugin without threads or memory64 (docs/plugin-abi.md)',
  });
}
