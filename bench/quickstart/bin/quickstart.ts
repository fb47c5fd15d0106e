import * as cdk from 'aws-cdk-lib';
import * as blueprints from '@aws-quickstart/eks-blueprints';
import { KubernetesVersion } from 'aws-cdk-lib/aws-eks';

// EKS Blueprints' own quick-start (its README, "Getting Started"), cut to the three core add-ons
// and pinned, as the lab pins them: an 'auto' version makes Blueprints ask EKS at synth.
const app = new cdk.App();

const addOns: Array<blueprints.ClusterAddOn> = [
  new blueprints.addons.VpcCniAddOn({ version: 'v1.21.1-eksbuild.1' }),
  new blueprints.addons.CoreDnsAddOn('v1.13.2-eksbuild.3'),
  new blueprints.addons.KubeProxyAddOn('v1.35.0-eksbuild.2'),
];

// A dummy account: nothing is deployed. cdk.json gives its availability zones, so the VPC looks nothing up.
const account = '123456789012';
const region = 'us-east-2';

blueprints.EksBlueprint.builder()
  .account(account)
  .region(region)
  .version(KubernetesVersion.V1_35)
  .addOns(...addOns)
  .build(app, 'eks-blueprint-ipv4');
