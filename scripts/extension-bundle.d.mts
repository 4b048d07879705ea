/** Bundle `entry` (a .ts file) to `outfile` in the sandbox's load format; resolves with `outfile`. */
export function bundleExtension(entry: string, outfile: string): Promise<string>;
