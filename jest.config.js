/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is one worker per CPU but one, so a single worker on a 2-CPU machine. The suites
  // are CPU-bound synths and subprocesses; two workers took npm test from 43 s to 30 s here (idle machine).
  maxWorkers: 2,
  // Jest's default of 5 s per test or hook measures the machine, not the code: a synth, python3 or
  // kubectl takes several times longer on a busy machine of two CPUs. The waits a test is about are
  // its own, shorter and explicit; this only catches a test that hangs.
  testTimeout: 120_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    // The lab CLI's Kubernetes client and some of its deps ship as ES modules only; swc turns them into CommonJS for jest.
    // Jest's own require(esm) needs Node 24.9+ and --experimental-vm-modules (https://jestjs.io/docs/ecmascript-modules#require-of-esm), so Node 22 needs this.
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|socks-proxy-agent|agent-base)/)'],
  // Kept between runs next to ESLint's cache, not in the temp directory each run cleans.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // The run's own temp directory: created before the first test file, removed with all it holds after the last.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup-offline.ts'],
  snapshotSerializers: ['<rootDir>/test/mask-asset-hashes.ts'],
};
