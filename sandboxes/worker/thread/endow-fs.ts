/**
 * The `fs` endowment, given only when the extension has file grants. Every call
 * resolves the path against the granted directories (relative paths against the
 * first one), follows symlinks with `realpath` (for a path that does not exist
 * yet, the real path of its nearest existing parent), and refuses anything whose
 * real path is outside a granted directory or needs `readwrite` where only
 * `read` was granted. Files are opened with `O_NOFOLLOW`, so a symlink swapped
 * in after the check is refused too. `rm` and `rename` act on the directory entry
 * itself (its parent is resolved, its last component is not), so they remove or
 * move a symlink, never what it points to. `writeFile(path, data, { exclusive,
 * sync })` can refuse to replace a file (O_EXCL) and flush it to disk (fsync)
 * before resolving, for atomic temp-then-rename writes. Results are plain
 * `Uint8Array`s, strings and objects, never Node's `Buffer` or `Stats`.
 *
 * @module
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { KernelError } from '../../../nanokernel/errors.js';
import type { FsRoot } from '../protocol.js';

type Mode = 'read' | 'readwrite';

/** Real path of `target`, or of its nearest existing ancestor joined with the rest. */
async function realPathOf(target: string): Promise<string> {
  const rest: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) throw error;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

const within = (root: string, candidate: string): boolean => candidate === root || candidate.startsWith(root + path.sep);

/** Strip Node's error down to a plain error without host details beyond the code. */
const plainError = (error: unknown, shown: string): Error => {
  const code = (error as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new Error(`${code}: ${shown}`);
};

/** The `fs` object for an extension granted `roots`; `onDenied` reports each refusal. */
export function fsEndowment(roots: readonly FsRoot[], onDenied: (facts: { path: string; mode: Mode }) => void) {
  const base = roots[0]!.realPath;
  const check = async (requested: unknown, mode: Mode): Promise<string> => {
    if (typeof requested !== 'string' || requested.length === 0 || requested.length > 4096 || requested.includes('\0')) {
      throw new TypeError('fs paths are non-empty strings without NUL characters');
    }
    const absolute = path.resolve(base, requested);
    const real = await realPathOf(absolute);
    const root = roots.find((candidate) => within(candidate.realPath, real) && (mode === 'read' || candidate.mode === 'readwrite'));
    if (root) return real;
    onDenied({ path: requested.slice(0, 300), mode });
    const inside = roots.some((candidate) => within(candidate.realPath, real));
    throw new KernelError('E_DENIED', `fs ${mode} of "${requested.slice(0, 300)}" is outside this extension's file grants`, {
      facts: { path: requested.slice(0, 300), mode },
      hint: inside
        ? 'the directory is granted read-only; grant it with mode "readwrite" in the policy'
        : 'grant the directory under host.fs in the policy, or use a path inside a granted directory',
    });
  };
  /** The entry itself: its parent resolved and checked, its last component kept (a symlink stays a symlink). */
  const checkEntry = async (requested: unknown, mode: Mode): Promise<string> => {
    if (typeof requested !== 'string' || requested.length === 0) return check(requested, mode);
    const absolute = path.resolve(base, requested);
    const parent = await check(path.dirname(absolute), mode);
    const entry = path.join(parent, path.basename(absolute));
    if (roots.some((root) => root.realPath === entry || within(entry, root.realPath))) throw new TypeError('a granted directory itself cannot be removed or moved');
    return entry;
  };
  const guarded = <A extends unknown[], R>(mode: Mode, body: (real: string, ...args: A) => Promise<R>, resolve = check) =>
    harden(async (requested: unknown, ...args: A): Promise<R> => {
      const real = await resolve(requested, mode);
      try {
        return await body(real, ...args);
      } catch (error) {
        throw error instanceof KernelError || error instanceof TypeError ? error : plainError(error, String(requested).slice(0, 300));
      }
    });
  const readFile = guarded('read', async (real, encoding?: unknown) => {
    const handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const data = await handle.readFile();
      return encoding === 'utf8' ? data.toString('utf8') : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    } finally {
      await handle.close();
    }
  });
  const writeFile = guarded('readwrite', async (real, data: unknown, options?: unknown) => {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('writeFile takes a string or a Uint8Array');
    const { exclusive = false, sync = false } = (typeof options === 'object' && options !== null ? options : {}) as { exclusive?: unknown; sync?: unknown };
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (exclusive === true ? constants.O_EXCL : constants.O_TRUNC);
    const handle = await fs.open(real, flags, 0o644);
    try {
      await handle.writeFile(data);
      if (sync === true) await handle.sync();
    } finally {
      await handle.close();
    }
  });
  const stat = guarded('read', async (real) => {
    const info = await fs.lstat(real);
    return { size: info.size, isFile: info.isFile(), isDirectory: info.isDirectory(), mtimeMs: info.mtimeMs };
  });
  return harden({
    roots: roots.map((root) => ({ path: root.realPath, mode: root.mode })),
    readFile,
    writeFile,
    stat,
    readdir: guarded('read', async (real) => (await fs.readdir(real)).map(String)),
    exists: harden(async (requested: unknown) => {
      const real = await check(requested, 'read');
      return fs.lstat(real).then(() => true, () => false);
    }),
    mkdir: guarded('readwrite', async (real) => {
      await fs.mkdir(real, { recursive: true });
    }),
    rm: guarded('readwrite', async (entry) => {
      await fs.rm(entry, { recursive: true, force: true });
    }, checkEntry),
    rename: guarded('readwrite', async (entry, to: unknown) => {
      const target = await checkEntry(to, 'readwrite');
      await fs.rename(entry, target);
    }, checkEntry),
  });
}
