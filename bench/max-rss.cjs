// Preloaded into every Node process of a timed synth (NODE_OPTIONS=--require): at exit, each one
// appends its peak resident memory and its script to the file named by BENCH_MAX_RSS_FILE.
'use strict';
const fs = require('node:fs');

const file = process.env.BENCH_MAX_RSS_FILE;
if (file) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in KiB (https://nodejs.org/api/process.html#processresourceusage).
    fs.appendFileSync(file, `${process.resourceUsage().maxRSS} ${process.argv[1] ?? ''}\n`);
  });
}
