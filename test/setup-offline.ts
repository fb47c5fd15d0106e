import * as net from 'node:net';

// Tests run as if there were no AWS account: no credentials, no config, and the SDK
// must not probe the instance-metadata service at 169.254.169.254 for a role.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'KUBECONFIG']) {
  delete process.env[key];
}
process.env.AWS_CONFIG_FILE = '/dev/null';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';

// Any connection to a non-loopback address fails the test that made it.
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const [first] = args;
  const options = typeof first === 'object' && first !== null ? (first as net.TcpNetConnectOpts & net.IpcNetConnectOpts) : undefined;
  const host = options ? options.host : typeof args[1] === 'string' ? args[1] : undefined;
  const isTcp = options ? options.path === undefined : typeof first === 'number' || typeof first === 'string' && /^\d+$/.test(first);
  if (isTcp && host !== undefined && !LOOPBACK.test(host)) {
    throw new Error(`Tests must stay offline: refused a connection to ${host}`);
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
