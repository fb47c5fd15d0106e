import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LAB_OBJECTS_RESOURCE_TYPE } from '../lib/app/lab-bucket';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { sessionPolicy } from '../lib/app/pod-identity-advanced-stack';
import { ScenarioId, scenario } from '../lib/scenarios';
import { appliedManifests, buildTestLab, kubeObject, kubeObjects, logicalIdsOf, manifestApplying, policiesOfRole } from './util';

const STACK = 'eks-oidc-demo-pod-identity-advanced';

describe('EKS Pod Identity features stack', () => {
  let template: Template;
  let resources: Record<string, any>;
  /** The logical id of the one resource whose id is `name` plus CDK's hash. */
  const id = (name: string) => {
    const found = Object.keys(resources).filter((key) => new RegExp(`^${name}[0-9A-F]{8}$`).test(key));
    if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.join(', ')}`);
    return found[0];
  };
  const arnOf = (name: string) => ({ 'Fn::GetAtt': [id(name), 'Arn'] });
  const objectsUnder = (suffix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id('LabBucket'), 'Arn'] }, suffix]] });
  const statementsOf = (role: string) =>
    policiesOfRole(template, id(role)).flatMap((policy) => resources[policy].Properties.PolicyDocument.Statement);

  beforeAll(async () => {
    template = Template.fromStack((await buildTestLab()).byName[STACK]);
    resources = template.toJSON().Resources;
  });

  describe('the lab bucket', () => {
    test('is private, encrypted, reachable over TLS only, and deleted with the stack', () => {
      template.resourceCountIs('AWS::S3::Bucket', 1);
      const bucket = resources[id('LabBucket')];
      expect(bucket.Properties).toEqual({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: [Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
        },
      });
    });

    test('gets one small object under team-a/ and one under team-b/ at deploy time, from text in the template', () => {
      template.resourceCountIs(LAB_OBJECTS_RESOURCE_TYPE, 1);
      const [objects] = Object.values(template.findResources(LAB_OBJECTS_RESOURCE_TYPE));
      expect(objects.Properties.BucketName).toEqual({ Ref: id('LabBucket') });
      expect(Object.keys(objects.Properties.Objects).sort()).toEqual(['team-a/report.txt', 'team-b/report.txt']);
      for (const text of Object.values(objects.Properties.Objects) as string[]) expect(text.length).toBeLessThan(100);
      expect(objects.DeletionPolicy).toBe('Delete');
      // Nothing is fetched: no BucketDeployment, no asset copied into the bucket.
      template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    });

    test('its handler may put those two objects, list the bucket and delete its objects: nothing else, no wildcard action', () => {
      expect(statementsOf('LabBucketHandlerRole').filter((s: any) => !String(s.Action).startsWith('logs:'))).toEqual([
        { Action: 's3:PutObject', Effect: 'Allow', Resource: [objectsUnder('/team-a/report.txt'), objectsUnder('/team-b/report.txt')] },
        { Action: 's3:ListBucket', Effect: 'Allow', Resource: arnOf('LabBucket') },
        { Action: 's3:DeleteObject', Effect: 'Allow', Resource: objectsUnder('/*') },
      ]);
      template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'lab_objects.on_event', Runtime: 'python3.14' });
    });

    test('emptying the bucket happens before CloudFormation deletes it: the objects resource depends on the bucket', () => {
      const [objectsId] = logicalIdsOf(template, LAB_OBJECTS_RESOURCE_TYPE);
      expect(JSON.stringify(resources[objectsId].Properties)).toContain(JSON.stringify({ Ref: id('LabBucket') }));
    });

    test('every log group goes with the stack', () => {
      for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(group.DeletionPolicy).toBe('Delete');
    });
  });

  describe('ABAC: one role, two teams', () => {
    test('the role trusts pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, for eks-iam-test in team-a and team-b only', () => {
      expect(resources[id('AbacRole')].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            StringEquals: {
              'aws:RequestTag/kubernetes-namespace': ['team-a', 'team-b'],
              'aws:RequestTag/kubernetes-service-account': 'eks-iam-test',
            },
          },
        },
      ]);
    });

    test('it may read objects only under the prefix named by the kubernetes-namespace session tag', () => {
      expect(statementsOf('AbacRole')).toEqual([
        { Action: 's3:GetObject', Effect: 'Allow', Resource: objectsUnder('/${aws:PrincipalTag/kubernetes-namespace}/*') },
      ]);
    });

    test.each([
      ['TeamAAssociation', 'team-a'],
      ['TeamBAssociation', 'team-b'],
    ])('%s links %s/eks-iam-test to that one role, with session tags on (ABAC needs them)', (association, namespace) => {
      expect(resources[association]).toEqual({
        Type: 'AWS::EKS::PodIdentityAssociation',
        Properties: { ClusterName: 'eks-oidc-demo', Namespace: namespace, ServiceAccount: 'eks-iam-test', RoleArn: arnOf('AbacRole') },
      });
    });

    test('each team reads its own object and the other team’s, with the AWS CLI and restartPolicy Never', () => {
      const bucket = { Ref: id('LabBucket') };
      for (const [team, other] of [
        ['team-a', 'team-b'],
        ['team-b', 'team-a'],
      ]) {
        for (const [pod, key] of [
          [`eks-iam-${team}-own`, `${team}/report.txt`],
          [`eks-iam-${team}-other`, `${other}/report.txt`],
        ]) {
          const spec = kubeObject(template, 'Pod', pod).spec;
          expect(kubeObject(template, 'Pod', pod).metadata.namespace).toBe(team);
          expect(spec).toMatchObject({ serviceAccountName: 'eks-iam-test', restartPolicy: 'Never' });
          expect(spec.containers[0].image).toBe('public.ecr.aws/aws-cli/aws-cli:2.22.0');
          expect(spec.containers[0].args).toEqual(['s3api', 'get-object', '--bucket', `\${${bucket.Ref}}`, '--key', key, '/dev/null']);
        }
      }
    });
  });

  describe('role chaining: the association role, then the target role', () => {
    test('the association role trusts pods.eks.amazonaws.com, and may only assume and tag the target role', () => {
      expect(resources[id('ChainSourceRole')].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
      ]);
      expect(statementsOf('ChainSourceRole')).toEqual([
        { Action: ['sts:AssumeRole', 'sts:TagSession'], Effect: 'Allow', Resource: arnOf('ChainTargetRole') },
      ]);
    });

    test('the target role trusts the association role with sts:AssumeRole and sts:TagSession, for the scenario’s service account', () => {
      expect(resources[id('ChainTargetRole')].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { AWS: arnOf('ChainSourceRole') },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            StringEquals: {
              'aws:RequestTag/kubernetes-namespace': 'role-chaining',
              'aws:RequestTag/kubernetes-service-account': 'eks-iam-test',
            },
          },
        },
      ]);
    });

    test('the target role is named, and may only list buckets', () => {
      expect(resources[id('ChainTargetRole')].Properties.RoleName).toBe('eks-oidc-demo-chain-target');
      expect(statementsOf('ChainTargetRole')).toEqual([{ Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' }]);
    });

    test('the association names both roles, session tags on', () => {
      expect(resources.ChainAssociation.Properties).toEqual({
        ClusterName: 'eks-oidc-demo',
        Namespace: 'role-chaining',
        ServiceAccount: 'eks-iam-test',
        RoleArn: arnOf('ChainSourceRole'),
        TargetRoleArn: arnOf('ChainTargetRole'),
      });
    });

    test('pods run s3 ls and sts get-caller-identity once', () => {
      expect(kubeObject(template, 'Pod', 'eks-iam-chain-ls').spec.containers[0].args).toEqual(['s3', 'ls']);
      expect(kubeObject(template, 'Pod', 'eks-iam-chain-caller').spec.containers[0].args).toEqual([
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ]);
    });
  });

  describe('session policy: the association narrows its role', () => {
    test('the role trusts pods.eks.amazonaws.com, and may list buckets and read team-a/ of the lab bucket', () => {
      expect(resources[id('SessionPolicyRole')].Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
      ]);
      expect(statementsOf('SessionPolicyRole')).toEqual([
        { Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' },
        { Action: 's3:GetObject', Effect: 'Allow', Resource: objectsUnder('/team-a/*') },
      ]);
    });

    test('the association disables session tags and passes a session policy that allows only listing buckets', () => {
      const { Policy, ...rest } = resources.SessionPolicyAssociation.Properties;
      expect(rest).toEqual({
        ClusterName: 'eks-oidc-demo',
        Namespace: 'session-policy',
        ServiceAccount: 'eks-iam-test',
        RoleArn: arnOf('SessionPolicyRole'),
        DisableSessionTags: true,
      });
      expect(JSON.parse(Policy)).toEqual({
        Version: '2012-10-17',
        Statement: [{ Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' }],
      });
      expect(Policy.length).toBeLessThanOrEqual(2048);
    });

    test('one pod lists buckets, the other reads team-a/report.txt', () => {
      expect(kubeObject(template, 'Pod', 'eks-iam-session-ls').spec.containers[0].args).toEqual(['s3', 'ls']);
      expect(kubeObject(template, 'Pod', 'eks-iam-session-read').spec.containers[0].args).toEqual([
        's3api',
        'get-object',
        '--bucket',
        `\${${id('LabBucket')}}`,
        '--key',
        'team-a/report.txt',
        '/dev/null',
      ]);
    });

    test('fails to build a session policy over 2,048 characters, naming the limit', () => {
      // GIVEN
      const stack = new Stack(new App(), 'Test');
      const statements = Array.from(
        { length: 40 },
        (_, i) => new iam.PolicyStatement({ sid: `Statement${i}`, actions: ['s3:ListAllMyBuckets'], resources: ['*'] }),
      );
      // WHEN / THEN
      expect(() => sessionPolicy(stack, new iam.PolicyDocument({ statements }))).toThrow(
        /The session policy has \d{4} characters; EKS passes it to STS, which accepts at most 2048/,
      );
    });
  });

  describe('the pods of every scenario', () => {
    const FEATURES = [ScenarioId.ABAC_TEAM_A, ScenarioId.ABAC_TEAM_B, ScenarioId.ROLE_CHAINING, ScenarioId.SESSION_POLICY];
    const ASSOCIATIONS: Record<string, string> = {
      [ScenarioId.ABAC_TEAM_A]: 'TeamAAssociation',
      [ScenarioId.ABAC_TEAM_B]: 'TeamBAssociation',
      [ScenarioId.ROLE_CHAINING]: 'ChainAssociation',
      [ScenarioId.SESSION_POLICY]: 'SessionPolicyAssociation',
    };

    test.each(FEATURES)('%s: every pod runs once, so none holds a node slot after it ends', (scenarioId) => {
      const s = scenario(scenarioId);
      const manifest = manifestApplying(template, 'Pod', s.s3LsPod);
      const names = manifest.objects.map((pod) => pod.metadata.name);
      expect(names).toEqual(s.probes!.map((p) => p.pod));
      expect(resources[manifest.logicalId].Properties[LabPodsProperty.RUN_ONCE]).toEqual(names);
    });

    test.each(FEATURES)('%s: pods are created once its association injects credentials, after role and service account', (scenarioId) => {
      const s = scenario(scenarioId);
      const association = ASSOCIATIONS[scenarioId];
      template.hasResourceProperties(LAB_PODS_RESOURCE_TYPE, {
        [LabPodsProperty.NAMESPACE]: s.namespace,
        [LabPodsProperty.WAIT_FOR_INJECTION]: {
          ServiceAccount: 'eks-iam-test',
          EnvVar: 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
          Source: { 'Fn::Join': ['', ['EKS Pod Identity association ', { 'Fn::GetAtt': [association, 'AssociationArn'] }]] },
          Check: `aws eks list-pod-identity-associations --cluster-name eks-oidc-demo --namespace ${s.namespace}`,
          TimeoutSeconds: 120,
        },
      });
      const role = resources[association].Properties.RoleArn['Fn::GetAtt'][0];
      const identity = appliedManifests(template).find((m) =>
        m.objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === s.namespace),
      )!;
      expect(manifestApplying(template, 'Pod', s.s3LsPod).dependsOn).toEqual(
        expect.arrayContaining([association, role, ...policiesOfRole(template, role), identity.logicalId]),
      );
    });

    test('the pods that read the bucket are created after its objects', () => {
      const [objects] = logicalIdsOf(template, LAB_OBJECTS_RESOURCE_TYPE);
      for (const pod of ['eks-iam-team-a-own', 'eks-iam-team-b-own', 'eks-iam-session-read']) {
        expect(manifestApplying(template, 'Pod', pod).dependsOn).toContain(objects);
      }
    });

    test('each namespace gets its service account eks-iam-test, without an IRSA annotation', () => {
      const accounts = kubeObjects(template).filter((o) => o.kind === 'ServiceAccount');
      expect(accounts.map((a) => `${a.metadata.namespace}/${a.metadata.name}`).sort()).toEqual([
        'role-chaining/eks-iam-test',
        'session-policy/eks-iam-test',
        'team-a/eks-iam-test',
        'team-b/eks-iam-test',
      ]);
      for (const account of accounts) expect(account.metadata.annotations).toBeUndefined();
    });
  });

  describe('CloudFormation and Kubernetes agree', () => {
    test('every association names a service account the charts create, and every pod of its namespace runs as it', () => {
      const objects = kubeObjects(template);
      const associations = Object.values(template.findResources('AWS::EKS::PodIdentityAssociation'));
      expect(associations).toHaveLength(4);
      for (const { Properties: association } of associations) {
        const account = objects.find(
          (o) =>
            o.kind === 'ServiceAccount' && o.metadata.namespace === association.Namespace && o.metadata.name === association.ServiceAccount,
        );
        expect([association.Namespace, account?.metadata.name]).toEqual([association.Namespace, association.ServiceAccount]);
        const pods = objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === association.Namespace);
        expect(pods.length).toBeGreaterThanOrEqual(2);
        for (const pod of pods)
          expect([pod.metadata.name, pod.spec.serviceAccountName]).toEqual([pod.metadata.name, association.ServiceAccount]);
      }
    });
  });
});
