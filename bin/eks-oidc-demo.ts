#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildLab } from '../lib/app/lab';
import { assertKnownContextKeys, parseLabConfig } from '../lib/lab-config';
import { rememberToggles } from '../lib/remembered-toggles';

async function main(): Promise<void> {
  const app = new App();
  const context = app.node.getAllContext();
  assertKnownContextKeys(context);
  const config = parseLabConfig((key) => context[key]);
  // stderr: the CDK CLI shows it before it deploys anything.
  for (const line of rememberToggles(context)) console.error(line);
  await buildLab(app, config, process.env.CDK_DEFAULT_ACCOUNT);
  app.synth();
}

main().catch((err: unknown) => {
  // A bad context value is the usual cause: print the message, not a stack trace.
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
