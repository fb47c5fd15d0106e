#!/usr/bin/env -S npx tsx
import { runLab } from '../lib/cli/program';

void runLab(process.argv.slice(2), { terminal: process, env: process.env }).then((code) => {
  // Exit once stdout is flushed, so no pending request keeps the process alive.
  process.stdout.write('', () => process.exit(code));
});
