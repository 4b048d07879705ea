import { describe, expect, it } from 'vitest';
import { providedModule, translateSource } from '../../../sandboxes/worker/thread/load-format.js';

const rule = (source: string) => {
  const result = translateSource(source);
  return result.ok ? 'ok' : result.problem.rule;
};

describe('extension load format', () => {
  it('rewrites SDK and zod imports and the default export', () => {
    const result = translateSource("import { defineExtension, z as zod } from '../../extensions/sdk/worker/index.js';\nimport * as Z from 'zod';\nexport default defineExtension({ ops: {} });\nexport {};\n//# sourceMappingURL=index.js.map");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.script).toContain('const { defineExtension, z: zod } = __nk_modules.sdk;');
    expect(result.script).toContain('const Z = __nk_modules.zod;');
    expect(result.script).toContain('__nk_default = defineExtension');
    expect(result.script).not.toMatch(/^export/m);
  });

  it.each([
    ["const s = 'import(x)';\nexport default 1;", 'SES_IMPORT_REJECTED'],
    ["const s = '<!-- hi';\nexport default 1;", 'SES_HTML_COMMENT_REJECTED'],
    ["const s = 'a --> b';\nexport default 1;", 'SES_HTML_COMMENT_REJECTED'],
    ["import fs from 'node:fs';\nexport default 1;", 'IMPORT_NOT_PROVIDED'],
    ["import { readFile } from 'node:fs';\nexport default 1;", 'IMPORT_NOT_PROVIDED'],
    ["import 'ses';\nexport default 1;", 'IMPORT_NOT_PROVIDED'],
    ['const a = 1;', 'ONE_DEFAULT_EXPORT'],
    ['export default 1;\nexport default 2;', 'ONE_DEFAULT_EXPORT'],
    ['export const a = 1;\nexport default 1;', 'ONLY_DEFAULT_EXPORT'],
    ['const u = import.meta.url;\nexport default 1;', 'NO_IMPORT_META'],
    ['const __nk_default = 1;\nexport default 1;', 'RESERVED_NAME'],
    ['', 'EMPTY_SOURCE'],
  ])('rejects %j with %s', (source, expected) => {
    expect(rule(source)).toBe(expected);
  });

  it('names the line of the problem', () => {
    const result = translateSource("const a = 1;\nconst b = 2;\nconst c = 'import(';\nexport default 1;");
    expect(result.ok ? 0 : result.problem.line).toBe(3);
  });

  it('provides only the SDK entry and zod', () => {
    expect(providedModule('zod')).toBe('zod');
    expect(providedModule('../../extensions/sdk/worker/index.js')).toBe('sdk');
    expect(providedModule('../../extensions/sdk/worker/define.js')).toBeUndefined();
    expect(providedModule('zod/v4')).toBeUndefined();
  });
});

describe('bundler output', () => {
  it('accepts the multi-line `export { x as default }` that esbuild writes', () => {
    const source = 'import { defineExtension } from "../sdk/worker/index.js";\nvar ext_default = defineExtension({ ops: {} });\nexport {\n  ext_default as default\n};\n';
    const result = translateSource(source);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.script).toContain('__nk_default = ext_default');
  });
});
