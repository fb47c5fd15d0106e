import { Template } from 'aws-cdk-lib/assertions';
import { ImdsMode } from '../lib/lab-config';
import { buildTestLab, kubeObjects } from './util';

/**
 * Checks that hold across the whole lab, for every stack and every toggle value, so that a
 * regression fails here by name and not only as a snapshot diff that `jest -u` would accept.
 */
const TOGGLE_SETTINGS: ReadonlyArray<Record<string, unknown>> = [{}, { nodeRoleS3Access: 'true' }, { imds: ImdsMode.LOCKED }];

/** Where a policy statement lives: the kinds of policy IAM, STS and KMS evaluate. */
enum PolicyKind {
  /** Inline or attached policy of a role, user or group. */
  IDENTITY = 'identity',
  /** A customer managed policy. */
  MANAGED = 'managed',
  /** A role's trust policy. */
  TRUST = 'trust',
  /** A KMS key policy. */
  KEY = 'key',
  /** A resource policy: bucket, secret, Lambda permission. */
  RESOURCE = 'resource',
}

interface Statement {
  readonly stack: string;
  readonly logicalId: string;
  readonly kind: PolicyKind;
  readonly effect: string;
  readonly actions: string[];
}

/** Every policy statement of a template, with the kind of policy it is in. */
function policyStatements(stack: string, template: Template): Statement[] {
  const out: Statement[] = [];
  const add = (logicalId: string, kind: PolicyKind, document: any) => {
    for (const s of document?.Statement ?? []) {
      out.push({ stack, logicalId, kind, effect: s.Effect, actions: [s.Action ?? s.NotAction ?? []].flat() });
    }
  };
  for (const [logicalId, resource] of Object.entries<any>(template.toJSON().Resources)) {
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Policy':
        add(logicalId, PolicyKind.IDENTITY, p.PolicyDocument);
        break;
      case 'AWS::IAM::ManagedPolicy':
        add(logicalId, PolicyKind.MANAGED, p.PolicyDocument);
        break;
      case 'AWS::IAM::Role':
        add(logicalId, PolicyKind.TRUST, p.AssumeRolePolicyDocument);
        for (const policy of p.Policies ?? []) add(logicalId, PolicyKind.IDENTITY, policy.PolicyDocument);
        break;
      case 'AWS::IAM::User':
      case 'AWS::IAM::Group':
        for (const policy of p.Policies ?? []) add(logicalId, PolicyKind.IDENTITY, policy.PolicyDocument);
        break;
      case 'AWS::KMS::Key':
        add(logicalId, PolicyKind.KEY, p.KeyPolicy);
        break;
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SecretsManager::ResourcePolicy':
        add(logicalId, PolicyKind.RESOURCE, p.PolicyDocument ?? p.ResourcePolicy);
        break;
      case 'AWS::Lambda::Permission':
        out.push({ stack, logicalId, kind: PolicyKind.RESOURCE, effect: 'Allow', actions: [p.Action] });
        break;
    }
  }
  return out;
}

/** The wildcards the lab keeps on purpose, each with its reason. Anything else fails. */
const WILDCARD_EXCEPTIONS: ReadonlyArray<{ stack: string; logicalId: RegExp; kind: PolicyKind; action: string; reason: string }> = [
  {
    stack: 'eks-oidc-demo',
    logicalId: /^eksoidcdemokmskey/,
    kind: PolicyKind.KEY,
    action: 'kms:*',
    reason:
      "The cluster's Secrets encryption key gives the account root kms:*, as KMS's default key policy does: without it only the key policy could grant use of the key, and IAM policies could not.",
  },
];

/** The node role's AWS managed policies: what EKS requires of a managed node, nothing more. */
const NODE_ROLE_MANAGED_POLICIES = ['AmazonEC2ContainerRegistryReadOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'];

describe.each(TOGGLE_SETTINGS.map((context) => [JSON.stringify(context), context] as const))('the whole lab with %s', (_label, context) => {
  let templates: Record<string, Template>;
  beforeAll(async () => {
    const lab = await buildTestLab(context);
    templates = Object.fromEntries(Object.entries(lab.byName).map(([name, stack]) => [name, Template.fromStack(stack)]));
  });

  test('every container of every pod cannot escalate, drops every capability and has a memory limit', () => {
    const pods = Object.values(templates)
      .flatMap(kubeObjects)
      .filter((o) => o.kind === 'Pod');
    expect(pods.length).toBeGreaterThanOrEqual(9);
    for (const pod of pods) {
      for (const container of pod.spec.containers) {
        const where = `${pod.metadata.namespace}/${pod.metadata.name}/${container.name}`;
        expect([where, container.securityContext?.allowPrivilegeEscalation]).toEqual([where, false]);
        expect([where, container.securityContext?.capabilities?.drop]).toEqual([where, ['ALL']]);
        expect([where, container.securityContext?.privileged]).not.toEqual([where, true]);
        expect([where, container.resources?.limits?.memory]).toEqual([where, expect.stringMatching(/^\d+(Mi|Gi)$/)]);
      }
    }
  });

  test('the node role carries exactly the managed policies EKS requires of a node', () => {
    const cluster = templates['eks-oidc-demo'].toJSON().Resources;
    const nodegroups = Object.values<any>(cluster).filter((r) => r.Type === 'AWS::EKS::Nodegroup');
    expect(nodegroups).toHaveLength(1);
    const roleId = nodegroups[0].Properties.NodeRole['Fn::GetAtt'][0];
    const arns = JSON.stringify(cluster[roleId].Properties.ManagedPolicyArns);
    const names = [...arns.matchAll(/:iam::aws:policy\/([\w-]+)/g)].map((m) => m[1]).sort();
    expect(names).toEqual(NODE_ROLE_MANAGED_POLICIES);
  });

  test('only the Secrets Manager secret references an access key’s SecretAccessKey', () => {
    for (const [stack, template] of Object.entries(templates)) {
      const json = template.toJSON();
      for (const [logicalId, resource] of Object.entries<any>(json.Resources)) {
        if (JSON.stringify(resource).includes('SecretAccessKey')) {
          expect([stack, logicalId, resource.Type]).toEqual([stack, logicalId, 'AWS::SecretsManager::Secret']);
        }
      }
      expect([stack, JSON.stringify(json.Outputs ?? {})]).toEqual([stack, expect.not.stringContaining('SecretAccessKey')]);
    }
  });

  test('no policy of any kind allows a wildcard action, but the listed exceptions', () => {
    const statements = Object.entries(templates).flatMap(([stack, template]) => policyStatements(stack, template));
    // The scan reads every kind of policy the lab has: a kind it misses would pass by silence.
    const kinds = new Set(statements.map((s) => s.kind));
    for (const kind of [PolicyKind.IDENTITY, PolicyKind.TRUST, PolicyKind.KEY]) expect(kinds).toContain(kind);
    const hasManaged = Object.values(templates).some((t) => Object.keys(t.findResources('AWS::IAM::ManagedPolicy')).length > 0);
    expect(kinds.has(PolicyKind.MANAGED)).toBe(hasManaged);

    const unexplained = statements
      .filter((s) => s.effect === 'Allow')
      .flatMap((s) => s.actions.filter((action) => typeof action !== 'string' || action.includes('*')).map((action) => ({ ...s, action })))
      .filter(
        (s) =>
          !WILDCARD_EXCEPTIONS.some(
            (e) => e.stack === s.stack && e.logicalId.test(s.logicalId) && e.kind === s.kind && e.action === s.action,
          ),
      )
      .map((s) => `${s.stack}/${s.logicalId} (${s.kind}): ${s.action}`);
    expect(unexplained).toEqual([]);
  });

  test('every listed wildcard exception still exists, so the list never outlives its reason', () => {
    const statements = Object.entries(templates).flatMap(([stack, template]) => policyStatements(stack, template));
    for (const e of WILDCARD_EXCEPTIONS) {
      expect([
        e.reason,
        statements.some((s) => s.stack === e.stack && e.logicalId.test(s.logicalId) && s.actions.includes(e.action)),
      ]).toEqual([e.reason, true]);
    }
  });
});
