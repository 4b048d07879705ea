#!/usr/bin/env node
/**
 * The executable behind `nanokernel` (package.json `bin`).
 *
 * @module
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
