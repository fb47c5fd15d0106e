/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    // The lab CLI's Kubernetes client (and its OIDC deps) ship as ES modules only; swc turns them into CommonJS for jest.
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
  setupFiles: ['<rootDir>/test/setup-offline.ts'],
  snapshotSerializers: ['<rootDir>/test/mask-asset-hashes.ts'],
};
