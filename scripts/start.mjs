#!/usr/bin/env node
// npm start: install what is missing, build the release wasm, serve www/ on http://localhost:8080
// (PORT / HOST env override).
import { log, isMain } from './lib.mjs';
import { build } from './build.mjs';
import { parseArgs, serveForever } from './serve.mjs';

if (isMain(import.meta.url)) {
  try {
    await build({ dist: false });
  } catch (err) {
    log('start', `build FAILED: ${err.message}`);
    process.exit(err.exitCode || 1);
  }
  await serveForever(parseArgs(process.argv.slice(2)));
}
