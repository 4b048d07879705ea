/**
 * `npm run bench`: run every benchmark in one process, then write
 * `bench/results.json` and the table in `docs/benchmarks.md`.
 * `--quick` shortens each measurement (what CI uses); `--only name` runs one file.
 *
 * @module
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFile, Section } from './harness.js';
import { renderMarkdown } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.js'))
  .filter((file) => only === undefined || file.startsWith(`${only}.`))
  .sort();

const sections: Section[] = [];
const started = Date.now();
const loadAtStart = os.loadavg()[0]!;
for (const file of files) {
  process.stdout.write(`bench ${file} … `);
  const t0 = Date.now();
  const module = (await import(pathToFileURL(path.join(here, file)).href)) as { default: BenchFile };
  sections.push(await module.default({ quick }));
  process.stdout.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

const machine = {
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  seconds: Math.round((Date.now() - started) / 1000),
  // The machine may be shared: the 1-minute load average at start and end says how quiet it was.
  load: `${loadAtStart.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} (1-min load average, start → end)`,
  files: files.map((file) => file.replace(/\.bench\.js$/, '')).join(', '),
};
const results = { machine, sections };
const resultsFile = path.join(root, 'bench', 'results.json');
let merged = results;
if (only !== undefined) {
  // A partial run replaces only its own sections in the last full results.
  try {
    const previous = JSON.parse(readFileSync(resultsFile, 'utf8')) as typeof results;
    const titles = new Set(sections.map((section) => section.title));
    merged = { machine, sections: [...previous.sections.filter((section) => !titles.has(section.title)), ...sections] };
  } catch {
    merged = results;
  }
}
writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`);
writeFileSync(path.join(root, 'docs', 'benchmarks.md'), renderMarkdown(merged));
console.log(`wrote bench/results.json and docs/benchmarks.md (${machine.seconds} s)`);
