import { App, Aspects } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildClusterStack } from '../lib/app/cluster-stack';
import { CLUSTER_EXPORTS } from '../lib/cluster-contract';
import { DeleteLogGroupsOnDestroy } from '../lib/app/delete-log-groups-on-destroy';
import { ImdsMode } from '../lib/lab-config';
import { renderTokens, synthesizedLab, TEST_ACCOUNT, testContext } from './util';

describe('cluster stack eks-oidc-demo', () => {
  let template: Template;
  let region: string;
  beforeAll(async () => {
    const lab = await synthesizedLab();
    template = lab.templates['eks-oidc-demo'];
    region = lab.regions['eks-oidc-demo'];
  });

  test('is cluster eks-oidc-demo on Kubernetes 1.35 in us-east-2', () => {
    expect(region).toBe('us-east-2');
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'eks-oidc-demo',
      Version: '1.35',
      // aws-eks-v2: access entries only, no aws-auth ConfigMap.
      AccessConfig: { AuthenticationMode: 'API' },
      ComputeConfig: { Enabled: false },
      EncryptionConfig: [Match.objectLike({ Resources: ['secrets'] })],
    });
  });

  test('has no cluster-handler Lambda: the cluster is a native AWS::EKS::Cluster', () => {
    template.resourceCountIs('Custom::AWSCDK-EKS-Cluster', 0);
  });

  test.each([
    ['vpc-cni', 'v1.21.1-eksbuild.1'],
    ['coredns', 'v1.13.2-eksbuild.3'],
    ['kube-proxy', 'v1.35.0-eksbuild.2'],
    ['eks-pod-identity-agent', 'v1.3.10-eksbuild.2'],
  ])('pins add-on %s to %s, so synth never asks EKS for versions', (name, version) => {
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: name, AddonVersion: version, ClusterName: Match.anyValue() });
  });

  test('every add-on is pinned: none is auto', () => {
    const addons = Object.values(template.findResources('AWS::EKS::Addon'));
    expect(addons).toHaveLength(4);
    for (const addon of addons) expect(addon.Properties.AddonVersion).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
  });

  test('vpc-cni assigns /28 prefixes and keeps one warm, and nothing else of its defaults changes', () => {
    const [cni] = Object.values(template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'vpc-cni' } }));
    expect(JSON.parse(cni.Properties.ConfigurationValues)).toEqual({
      init: { env: {} },
      env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' },
    });
  });

  test('the node group is created after the vpc-cni add-on: it sets maxPods from prefix delegation only if on by then', () => {
    const [cniId] = Object.keys(template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'vpc-cni' } }));
    template.hasResource('AWS::EKS::Nodegroup', { DependsOn: Match.arrayWith([cniId]) });
  });

  test('runs one on-demand t4g.small node in a managed node group', () => {
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'lab',
      InstanceTypes: ['t4g.small'],
      AmiType: 'AL2023_ARM_64_STANDARD',
      ScalingConfig: { MinSize: 1, MaxSize: 1, DesiredSize: 1 },
      CapacityType: Match.absent(),
    });
  });

  test('open IMDS by default: IMDSv2 with hop limit 2, so pods reach the node role as in the post', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } }),
    });
  });

  test('the launch template sets a 20 GiB encrypted gp3 root volume, and no kubelet maxPods the node group would override', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true } }],
      }),
    });
    for (const lt of Object.values(template.findResources('AWS::EC2::LaunchTemplate'))) {
      expect(JSON.stringify(lt.Properties.LaunchTemplateData.UserData ?? '')).not.toContain('maxPods');
    }
  });

  test('the VPC has no NAT gateway: two public subnets, nodes get a public IPv4 address', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
    }
  });

  test('owns no OIDC provider: the IRSA stack registers it, step by step', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
  });

  test('everything is deleted on destroy: the KMS key and every log group', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 7 }),
    });
    for (const [id, group] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) {
      expect([id, group.DeletionPolicy]).toEqual([id, 'Delete']);
    }
    const retained = Object.entries(template.toJSON().Resources).filter(([, r]: [string, any]) => r.DeletionPolicy === 'Retain');
    expect(retained.map(([id]) => id)).toEqual([]);
  });

  test('outputs the update-kubeconfig command and the node role ARN', () => {
    const outputs: Record<string, { Value: unknown }> = template.toJSON().Outputs;
    const configCommand = Object.entries(outputs).find(([id]) => id.includes('ConfigCommand'));
    // The cluster's Ref is its name; the masters role is the one with an admin access entry.
    expect(renderTokens(configCommand?.[1].Value)).toMatch(
      /^aws eks update-kubeconfig --name \$\{eksoidcdemo\w+\} --region us-east-2 --role-arn \$\{eksoidcdemoAccessRole\w+\.Arn\}$/,
    );
    template.hasOutput('NodeRoleArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('NodeGroupRole'), 'Arn'] } });
  });

  test('exports exactly the fixed contract the scenario stacks import', () => {
    const exported = Object.values(template.toJSON().Outputs)
      .map((o: any) => o.Export?.Name)
      .filter(Boolean)
      .sort();
    expect(exported).toEqual(Object.values(CLUSTER_EXPORTS).sort());
  });
});

describe('cluster stack stability', () => {
  const clusterTemplate = async (context: Record<string, unknown>, withScenarios = true) => {
    if (withScenarios) return (await synthesizedLab({ context })).templates['eks-oidc-demo'].toJSON();
    // The same cluster stack built alone, with the app-wide removal policy but no scenario stack.
    const app = new App({ context: testContext(context) });
    Aspects.of(app).add(new DeleteLogGroupsOnDestroy());
    return Template.fromStack(await buildClusterStack(app, { account: TEST_ACCOUNT, imds: ImdsMode.OPEN })).toJSON();
  };

  test('adding or removing every scenario leaves the cluster template unchanged', async () => {
    expect(await clusterTemplate({}, false)).toEqual(await clusterTemplate({}));
  });

  test('the node-role S3 toggle and the image tag leave the cluster template unchanged', async () => {
    const baseline = await clusterTemplate({});
    expect(await clusterTemplate({ nodeRoleS3Access: true })).toEqual(baseline);
    expect(await clusterTemplate({ awsCliImage: 'amazon/aws-cli:2.27.0' })).toEqual(baseline);
  });

  test.each([
    ['locked', { HttpTokens: 'required', HttpPutResponseHopLimit: 1 }],
    // Hop limit 1 stops only the IMDSv2 token PUT; with tokens optional, an IMDSv1 GET still answers.
    ['leaky', { HttpTokens: 'optional', HttpPutResponseHopLimit: 1 }],
  ])('imds=%s changes only the launch template: %p', async (imds, metadataOptions) => {
    const open = await clusterTemplate({});
    const toggled = await clusterTemplate({ imds });
    const changed = Object.keys(open.Resources).filter(
      (id) => JSON.stringify(open.Resources[id]) !== JSON.stringify(toggled.Resources[id]),
    );
    expect(changed).toHaveLength(1);
    expect(open.Resources[changed[0]].Type).toBe('AWS::EC2::LaunchTemplate');
    expect(toggled.Resources[changed[0]].Properties.LaunchTemplateData.MetadataOptions).toEqual(metadataOptions);
    expect(Object.keys(toggled.Resources)).toEqual(Object.keys(open.Resources));
  });

  test('HttpTokens is always written out, never left to the AMI', async () => {
    for (const imds of ['open', 'locked', 'leaky']) {
      const template = await clusterTemplate({ imds });
      const [lt] = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::EC2::LaunchTemplate') as any[];
      expect(['required', 'optional']).toContain(lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens);
    }
  });
});
