// Bundle one worker extension into the sandbox's load format: one ES module whose
// only imports are the SDK and zod, which the sandbox provides (docs/worker-extensions.md).
// Used by scripts/bundle-extensions.mjs for the build, and by tests that bundle fixtures.
import { build } from 'esbuild';

const provided = {
  name: 'nanokernel-provided',
  setup(b) {
    // The SDK and zod are provided by the sandbox; everything else must be bundled.
    b.onResolve({ filter: /(^zod$)|(sdk\/worker\/index\.js$)/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** Bundle `entry` (a .ts file) to `outfile`; resolves with `outfile`. */
export async function bundleExtension(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    plugins: [provided],
    logLevel: 'silent',
    legalComments: 'none',
  });
  return outfile;
}
