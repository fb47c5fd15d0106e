import { App, Stack } from 'aws-cdk-lib';
import { DISABLE_ASSET_STAGING_CONTEXT } from 'aws-cdk-lib/cx-api';

/*
 * Where `cdk synth` puts assets. Staging copies each asset into cdk.out, and cdk-nag runs as a
 * validation plugin, before and after which aws-cdk-lib reads and hashes every file of cdk.out
 * (`core/lib/private/synthesis.ts`, `snapshotFileHashes`). Two assets are zips of installed
 * packages, the kubectl and AWS CLI Lambda layers: 57 MB read twice, about a second and 120 MiB
 * of every synth. So the assets of installed packages are not copied: the asset manifest names
 * them by their absolute path in node_modules, and `cdk deploy` uploads them from there
 * (`@aws-cdk/cdk-assets-lib` `lib/private/handlers/files.ts`: `packageFile` resolves the path
 * against cdk.out, which leaves an absolute one as it is). So deploy from the checkout that
 * synthesized. The lab's own assets (its handlers, and the code aws-cdk-lib writes to a temp
 * directory for CfnJson) are staged as usual. The templates are the same either way: an asset's
 * hash comes from its source.
 */

/**
 * Leaves assets where they are, unless a stack stages its own. The cluster stack, which EKS
 * Blueprints builds and which the lab builds first, has only package assets. Every stack the lab
 * writes itself calls `stageOwnAssets`; the package assets it shares with the cluster stack (the
 * layers, the provider framework's code) stay in place too: aws-cdk-lib resolves an asset once per
 * source and output directory, and the key of that cache leaves out whether staging is off
 * (`core/lib/asset-staging.ts`, `AssetStaging.assetCache`).
 */
export function referToPackageAssetsInPlace(app: App): void {
  app.node.setContext(DISABLE_ASSET_STAGING_CONTEXT, true);
}

/** Stages the stack's assets into cdk.out, as `cdk synth` does by default. Call it first in the constructor. */
export function stageOwnAssets(stack: Stack): void {
  stack.node.setContext(DISABLE_ASSET_STAGING_CONTEXT, false);
}
