#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildLab } from '../lib/lab';
import { parseLabConfig } from '../lib/lab-config';

async function main(): Promise<void> {
  const app = new App();
  const config = parseLabConfig((key) => app.node.tryGetContext(key));
  await buildLab(app, config, process.env.CDK_DEFAULT_ACCOUNT);
  app.synth();
}

main().catch((err: unknown) => {
  // A bad context value is the usual cause: print the message, not a stack trace.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
