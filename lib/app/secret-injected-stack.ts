import { CfnOutput, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IEnvVar } from 'kubernetes-models/v1';
import { LAB_CLUSTER, importLabCluster } from '../cluster-contract';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { acknowledgeListAllMyBuckets, acknowledgeNag, listAllMyBuckets } from './private/nag';
import { ScenarioId, scenario } from '../scenarios';
import { SecretWriter } from './secret-writer';
import { stageOwnAssets } from './private/asset-staging';

/** The Kubernetes Secret the pods read their keys from. */
export const STATIC_KEYS_SECRET = 'aws-static-keys';

/** The variables the AWS SDKs read a static key pair from; they come first in every SDK's credential chain. */
export enum StaticKeyVariable {
  ACCESS_KEY_ID = 'AWS_ACCESS_KEY_ID',
  SECRET_ACCESS_KEY = 'AWS_SECRET_ACCESS_KEY',
}

/**
 * The second tempting fix: an IAM user's access key, injected into the pods
 * from a Kubernetes Secret. The pods can list buckets, but the key never
 * expires and nothing rotates it.
 */
export class SecretInjectedStack extends Stack {
  constructor(scope: Construct, id: string, props: ScenarioStackProps) {
    super(scope, id, props);
    stageOwnAssets(this);
    const lab = importLabCluster(this);
    const ids = scenario(ScenarioId.SECRET_INJECTED);

    const user = new iam.User(this, 'StaticKeyUser');
    user.addToPolicy(listAllMyBuckets());
    acknowledgeListAllMyBuckets(user);
    user.applyRemovalPolicy(RemovalPolicy.DESTROY);
    const accessKey = new iam.AccessKey(this, 'StaticKey', { user });
    accessKey.applyRemovalPolicy(RemovalPolicy.DESTROY);

    // Only references to the key reach the template; CloudFormation resolves them inside AWS.
    // Deleting the stack deletes the secret at once: CloudFormation skips the recovery window.
    const staticKeys = new secretsmanager.Secret(this, 'StaticKeys', {
      description: `The long-lived access key the ${ids.namespace} pods use`,
      secretObjectValue: {
        [StaticKeyVariable.ACCESS_KEY_ID]: SecretValue.resourceAttribute(accessKey.accessKeyId),
        [StaticKeyVariable.SECRET_ACCESS_KEY]: accessKey.secretAccessKey,
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const writer = new SecretWriter(this, 'StaticKeysWriter', {
      cluster: lab.cluster,
      namespace: ids.namespace,
      secretName: STATIC_KEYS_SECRET,
      source: staticKeys,
    });

    const pods = new LabScenario(this, 'SecretInjected', {
      cluster: lab.cluster,
      scenario: ids,
      image: props.image,
      toggles: props.toggles,
      env: [
        fromStaticKeys(StaticKeyVariable.ACCESS_KEY_ID),
        fromStaticKeys(StaticKeyVariable.SECRET_ACCESS_KEY),
        // The region too comes from the environment, so the pod needs nothing from IMDS.
        { name: 'AWS_DEFAULT_REGION', value: LAB_CLUSTER.region },
      ],
    });
    writer.resource.node.addDependency(pods.identity);
    // Kubernetes resolves secretKeyRef when it starts the container: the Secret must exist first.
    pods.podsDependOn(writer);

    new CfnOutput(this, 'StaticKeyUserName', {
      description: 'The IAM user CloudTrail names as the caller of the pods (user/<name>)',
      value: user.userName,
    });

    acknowledgeNag(
      staticKeys,
      'The lesson is a long-lived IAM user key that nothing rotates; rotation would hide the anti-pattern the scenario shows.',
      'SMG4',
    );
  }
}

/** One variable of the key pair, read by the kubelet from the Kubernetes Secret. */
function fromStaticKeys(variable: StaticKeyVariable): IEnvVar {
  return { name: variable, valueFrom: { secretKeyRef: { name: STATIC_KEYS_SECRET, key: variable } } };
}
