// Runs the project's TypeScript in plain Node: `node --require ./scripts/require-ts.cjs file.ts`.
// cdk.json's app and the npm scripts start this way. Each .ts file is compiled by swc, as jest
// compiles it (jest.config.js), once per content: the JavaScript is kept in node_modules/.cache,
// so a warm run loads neither swc nor a transform hook. Nothing else is hooked: packages load
// through Node's own require, and Node keeps their compiled code between runs (its compile cache).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const CACHE = path.join(__dirname, '..', 'node_modules', '.cache');
const JS_CACHE = path.join(CACHE, 'require-ts');
const SWC_OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  // Stack traces name TypeScript lines under `node --enable-source-maps`.
  sourceMaps: 'inline',
};

// V8's compiled code of every CommonJS module, reused while the file is unchanged
// (https://nodejs.org/api/module.html#module-compile-cache). NODE_DISABLE_COMPILE_CACHE=1 turns it off.
Module.enableCompileCache?.(path.join(CACHE, 'node-compile-cache'));

let swc;
let swcVersion;

function compile(source, filename) {
  swc ??= require('@swc/core');
  swcVersion ??= swc.version;
  return swc.transformSync(source, { ...SWC_OPTIONS, filename }).code;
}

/** The compiled file, from the cache when this source was compiled before by the same swc. */
function javascriptOf(filename) {
  const source = fs.readFileSync(filename, 'utf8');
  // The installed swc's version, read without loading swc itself.
  const installed = swcVersion ?? require('@swc/core/package.json').version;
  const key = crypto
    .createHash('sha256')
    .update(`${installed}\0${JSON.stringify(SWC_OPTIONS)}\0${filename}\0${source}`)
    .digest('hex');
  const cached = path.join(JS_CACHE, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const code = compile(source, filename);
    try {
      // Written aside then renamed, so a process started beside this one never reads half a file.
      fs.mkdirSync(JS_CACHE, { recursive: true });
      const partial = `${cached}.${process.pid}`;
      fs.writeFileSync(partial, code);
      fs.renameSync(partial, cached);
    } catch {
      // A read-only node_modules only costs the next run a compile.
    }
    return code;
  }
}

require.extensions['.ts'] = (module, filename) => module._compile(javascriptOf(filename), filename);
