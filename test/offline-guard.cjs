// Keeps a Node process offline, as CI is: no AWS credentials or config, no instance-metadata
// probe, and any TCP connection to a non-loopback address throws. Jest loads it before every
// test file; the synth test loads it into the CDK CLI and the app through NODE_OPTIONS.
'use strict';
const net = require('node:net');

process.env.AWS_EC2_METADATA_DISABLED = 'true';
for (const key of [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'KUBECONFIG',
]) {
  delete process.env[key];
}
process.env.AWS_CONFIG_FILE = '/dev/null';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/;

function targetHost(args) {
  const [first, second] = args;
  if (Array.isArray(first)) return targetHost(first); // internal normalized form
  if (typeof first === 'object' && first !== null) return first.path !== undefined ? undefined : (first.host ?? 'localhost');
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return typeof second === 'string' ? second : 'localhost';
  }
  return undefined; // a Unix socket path
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function offlineConnect(...args) {
  const host = targetHost(args);
  if (host !== undefined && !LOOPBACK.test(host)) {
    const message = `offline guard: refused a connection to ${host}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
    throw new Error(message);
  }
  return connect.apply(this, args);
};
