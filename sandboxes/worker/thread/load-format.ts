/**
 * The load format of a worker extension, and its translation into a script a
 * SES Compartment can evaluate (`Compartment.evaluate` takes scripts, not modules).
 *
 * The format is what `tsc` emits for an extension written against the SDK:
 * - value imports only from the SDK (a specifier ending in `sdk/worker/index.js`)
 *   or from `zod`, as `import { a, b as c } from '…'` or `import * as ns from '…'`;
 *   they become destructurings of modules the sandbox provides. `import type` is
 *   erased by tsc and so is always fine;
 * - exactly one `export default <expression>` (and optionally `export {};`);
 * - no other import or export, no `import.meta`, no `import(`, no HTML comments.
 *
 * The rewrite is line-oriented and is not a security boundary: whatever it
 * produces still runs inside the Compartment with only its endowments. It
 * exists to turn the wrong inputs into load errors that name the rule.
 *
 * @module
 */

/** Largest extension source accepted, in characters. */
export const MAX_SOURCE_CHARS = 4 * 1024 * 1024;

/** Names the wrapper uses; extension source must not contain the prefix. */
const RESERVED = '__nk_';

/** A load-format violation: which rule, where, and what to change. */
export interface FormatProblem {
  readonly rule: string;
  readonly line: number;
  readonly message: string;
}

/** Modules an extension may import, by the key the wrapper passes them under. */
export type ProvidedModule = 'sdk' | 'zod';

/** Which provided module a specifier names, or `undefined` when it is not allowed. */
export function providedModule(specifier: string): ProvidedModule | undefined {
  if (specifier === 'zod') return 'zod';
  if (/(^|\/)sdk\/worker\/index\.js$/.test(specifier)) return 'sdk';
  return undefined;
}

const lineAt = (source: string, index: number): number => source.slice(0, index).split('\n').length;

const FORBIDDEN: readonly { pattern: RegExp; rule: string; message: string }[] = [
  { pattern: /\bimport\s*\(/, rule: 'SES_IMPORT_REJECTED', message: 'dynamic "import(" is not allowed, even inside strings or comments; split the text (e.g. "imp" + "ort(")' },
  { pattern: /<!--|-->/, rule: 'SES_HTML_COMMENT_REJECTED', message: 'HTML comment markers "<!--" and "-->" are not allowed, even inside strings; split them' },
  { pattern: /\bimport\.meta\b/, rule: 'NO_IMPORT_META', message: 'import.meta is not available to extensions' },
  { pattern: /__nk_/, rule: 'RESERVED_NAME', message: `names starting with "${RESERVED}" are reserved for the loader` },
];

const NAMED_IMPORT = /^import\s*\{([^}]*)\}\s*from\s*(['"])([^'"\n]+)\2\s*;?[ \t]*$/gm;
const NAMESPACE_IMPORT = /^import\s*\*\s*as\s+([A-Za-z_$][\w$]*)\s+from\s*(['"])([^'"\n]+)\2\s*;?[ \t]*$/gm;
const BINDING = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/;

/**
 * Translate extension source into the body of the wrapper function, or return
 * the first rule it breaks. Line numbers are preserved (imports are rewritten in place).
 */
export function translateSource(source: string): { ok: true; script: string } | { ok: false; problem: FormatProblem } {
  const problem = (rule: string, line: number, message: string) => ({ ok: false as const, problem: { rule, line, message } });
  if (typeof source !== 'string' || source.length === 0) return problem('EMPTY_SOURCE', 0, 'the extension source is empty');
  if (source.length > MAX_SOURCE_CHARS) return problem('SOURCE_TOO_LARGE', 0, `the source is over ${MAX_SOURCE_CHARS} characters`);
  for (const { pattern, rule, message } of FORBIDDEN) {
    const match = pattern.exec(source);
    if (match) return problem(rule, lineAt(source, match.index), message);
  }
  let failure: FormatProblem | undefined;
  const rewriteImport = (full: string, offset: number, specifier: string, toCode: (key: ProvidedModule) => string | undefined): string => {
    const key = providedModule(specifier);
    const code = key && toCode(key);
    if (code === undefined) {
      failure ??= {
        rule: 'IMPORT_NOT_PROVIDED',
        line: lineAt(source, offset),
        message: `cannot import "${specifier}": only the SDK (…/sdk/worker/index.js) and "zod" are provided; use "import type" for types`,
      };
      return full;
    }
    // Keep the line count so stack traces and later problems point at the right line.
    return code + '\n'.repeat(full.split('\n').length - 1);
  };
  let script = source.replace(NAMED_IMPORT, (full, names: string, _q, specifier: string, offset: number) =>
    rewriteImport(full, offset, specifier, (key) => {
      const parts: string[] = [];
      for (const raw of names.split(',').map((part) => part.trim()).filter(Boolean)) {
        const binding = BINDING.exec(raw);
        if (!binding || raw.startsWith('type ')) {
          if (raw.startsWith('type ')) continue;
          return undefined;
        }
        parts.push(binding[2] ? `${binding[1]}: ${binding[2]}` : binding[1]!);
      }
      return `const { ${parts.join(', ')} } = ${RESERVED}modules.${key};`;
    }),
  );
  script = script.replace(NAMESPACE_IMPORT, (full, name: string, _q, specifier: string, offset: number) =>
    rewriteImport(full, offset, specifier, (key) => `const ${name} = ${RESERVED}modules.${key};`),
  );
  if (failure) return { ok: false, problem: failure };
  const stray = /^[ \t]*import\b(?!\s*type\b)[^\n]*/m.exec(script);
  if (stray) {
    return problem('IMPORT_NOT_PROVIDED', lineAt(script, stray.index), `unsupported import "${stray[0].trim().slice(0, 120)}": only the SDK and "zod" can be imported`);
  }
  script = script.replace(/^export\s*\{\s*\}\s*;?[ \t]*$/gm, '');
  // Bundlers (esbuild) end a module with `export { name as default };`.
  script = script.replace(/^export\s*\{\s*([A-Za-z_$][\w$]*)\s+as\s+default\s*\}\s*;?/m, 'export default $1;');
  const defaults = [...script.matchAll(/^export\s+default\s+/gm)];
  if (defaults.length !== 1) {
    return problem('ONE_DEFAULT_EXPORT', defaults[1] ? lineAt(script, defaults[1].index) : 0, 'the module must have exactly one "export default defineExtension({...})"');
  }
  script = script.replace(/^export\s+default\s+/m, `${RESERVED}default = `);
  const otherExport = /^[ \t]*export\b[^\n]*/m.exec(script);
  if (otherExport) {
    return problem('ONLY_DEFAULT_EXPORT', lineAt(script, otherExport.index), 'only "export default" is allowed; move other exports into the definition');
  }
  return { ok: true, script: `(async function (${RESERVED}modules) { let ${RESERVED}default; ${script}\n;return ${RESERVED}default; })` };
}
