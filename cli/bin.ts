#!/usr/bin/env node
/**
 * The executable behind `nanokernel` (package.json `bin`).
 *
 * @module
 */
import { main } from './main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything has been flushed by now; a worker that failed to stop must not keep the command alive.
setTimeout(() => process.exit(code), 3_000).unref();
