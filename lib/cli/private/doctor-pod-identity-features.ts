import { POD_IDENTITY_SESSION_TAGS, SESSION_POLICY_MAX_CHARS } from '../../lab-names';
import { Scenario } from '../../scenarios';
import { CfnResource, StackTemplate } from '../assembly';
import { FindingList } from './findings';

/**
 * `lab doctor` rules for EKS Pod Identity's features: session tags read by policies (ABAC), which
 * it has set since its launch in November 2023; target roles (role chaining) and
 * `disableSessionTags`, since 2025-06-11; and session policies, since March 2026. Each rule reads
 * an association of the scenario and the roles it names, as synthesized.
 */
export function checkPodIdentityFeatures(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  const associations = stack
    .resourcesOfType('AWS::EKS::PodIdentityAssociation')
    .filter(
      ({ resource }) =>
        stack.property(resource, 'Namespace') === scenario.namespace &&
        stack.property(resource, 'ServiceAccount') === scenario.serviceAccount,
    );
  for (const { logicalId, resource } of associations) {
    const association = { logicalId, resource, tagsDisabled: isTrue(stack.property(resource, 'DisableSessionTags')) };
    checkSessionPolicy(stack, scenario, association, findings);
    checkTargetRole(stack, scenario, association, findings);
    checkSessionTags(stack, scenario, association, findings);
  }
}

interface Association {
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly tagsDisabled: boolean;
}

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: { AWS?: unknown; Service?: unknown };
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** CloudFormation takes a boolean as `true` or as the string `"true"`. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function actionsOf(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action ?? []);
}

/** The logical id a resolved `${Id.Arn}` names. */
function roleIdOf(arn: unknown): string | undefined {
  return typeof arn === 'string' ? /^\$\{([^.}]+)\.Arn\}$/.exec(arn)?.[1] : undefined;
}

function trustOf(stack: StackTemplate, roleId: string): Statement[] {
  const role = stack.resources[roleId];
  const document = role ? (stack.property(role, 'AssumeRolePolicyDocument') as { Statement?: Statement[] } | undefined) : undefined;
  return document?.Statement ?? [];
}

/** The Allow statements of every policy attached to the role: inline, and `AWS::IAM::Policy` resources naming it. */
function permissionsOf(stack: StackTemplate, roleId: string): Statement[] {
  const role = stack.resources[roleId];
  const inline =
    ((role ? stack.property(role, 'Policies') : undefined) as { PolicyDocument?: { Statement?: Statement[] } }[] | undefined) ?? [];
  const attached = stack
    .resourcesOfType('AWS::IAM::Policy')
    .filter(({ resource }) => JSON.stringify(resource.Properties?.Roles ?? []).includes(`"${roleId}"`))
    .map(({ resource }) => stack.property(resource, 'PolicyDocument') as { Statement?: Statement[] });
  return [...inline.map((p) => p.PolicyDocument ?? {}), ...attached].flatMap((d) => d.Statement ?? []).filter((s) => s.Effect === 'Allow');
}

/**
 * EKS accepts a `Policy` only with `DisableSessionTags: true`, and passes it to STS as a session
 * policy, whose plaintext may have at most 2,048 characters (EKS API reference,
 * CreatePodIdentityAssociation `policy`; STS API reference, AssumeRole `Policy`).
 */
function checkSessionPolicy(stack: StackTemplate, scenario: Scenario, association: Association, findings: FindingList): void {
  const policy = stack.property(association.resource, 'Policy');
  if (policy === undefined) return;
  const { logicalId } = association;
  const text = typeof policy === 'string' ? policy : JSON.stringify(policy);
  let ok = true;
  if (!association.tagsDisabled) {
    ok = false;
    findings.fail(
      scenario.id,
      'session policy',
      `${logicalId} has a Policy but DisableSessionTags is ${JSON.stringify(stack.property(association.resource, 'DisableSessionTags') ?? 'unset')}: EKS accepts a session policy only with session tags disabled, so creating the association fails.`,
      `Set DisableSessionTags: true on ${logicalId} (disableSessionTags: true), or drop its Policy.`,
    );
  }
  if (text.length > SESSION_POLICY_MAX_CHARS) {
    ok = false;
    findings.fail(
      scenario.id,
      'session policy size',
      `${logicalId}'s Policy has ${text.length} characters: EKS passes it to STS as a session policy, whose plaintext may have at most ${SESSION_POLICY_MAX_CHARS}.`,
      `Shorten it to ${SESSION_POLICY_MAX_CHARS} characters or fewer: no whitespace or Sids, fewer statements, or narrow the role itself instead.`,
    );
  }
  let document: { Statement?: Statement[] } | undefined;
  try {
    document = JSON.parse(text) as { Statement?: Statement[] };
  } catch {
    ok = false;
    findings.fail(
      scenario.id,
      'session policy',
      `${logicalId}'s Policy is not JSON.`,
      'Pass the policy document as a JSON string, e.g. Stack.toJsonString(new iam.PolicyDocument(...)).',
    );
  }
  if (ok) {
    const allowed = (document?.Statement ?? []).filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
    const role = roleIdOf(stack.property(association.resource, 'RoleArn')) ?? 'its role';
    findings.pass(
      scenario.id,
      'session policy',
      `${logicalId} narrows ${role} to ${allowed.join(', ') || 'nothing'} (${text.length} of ${SESSION_POLICY_MAX_CHARS} characters), with session tags disabled.`,
    );
  }
}

/** A principal that names a whole account: its root ARN, or the bare account id (IAM JSON policy reference, Principal). */
const ACCOUNT_ROOT = /^(?:arn:aws[\w-]*:iam::)?(?:\$\{AWS::AccountId\}|\d{12})(?::root)?$/;

/**
 * With a target role, EKS assumes the association's role, then with its credentials the target
 * role, passing the session tags on: the target role must trust the first role with
 * sts:AssumeRole and sts:TagSession (EKS user guide, pod-id-assign-target-role). Whether the first
 * role also needs an identity policy depends on what the trust names. In one account, a trust that
 * names the role's ARN is enough: "When a resource-based policy grants access to a principal in the
 * same account, no additional identity-based policy is required" (STS API reference, AssumeRole;
 * IAM user guide, policy evaluation logic). A trust that names the account root only delegates to
 * the account's identity policies, and across accounts both sides must allow, so only then is the
 * first role's permission checked. Both roles of this check are in one stack, so in one account.
 */
function checkTargetRole(stack: StackTemplate, scenario: Scenario, association: Association, findings: FindingList): void {
  const targetArn = stack.property(association.resource, 'TargetRoleArn');
  if (targetArn === undefined) return;
  const { logicalId } = association;
  const sourceArn = stack.property(association.resource, 'RoleArn');
  const sourceId = roleIdOf(sourceArn);
  const targetId = roleIdOf(targetArn);
  if (!sourceId || !targetId || !stack.resources[targetId]) {
    findings.pass(
      scenario.id,
      'target role trust',
      `${logicalId} chains to a role outside ${stack.stackName}: its trust is checked where it lives.`,
    );
    return;
  }

  const allowing = trustOf(stack, targetId).filter((s) => s.Effect === 'Allow');
  const principals = (s: Statement) => ([] as unknown[]).concat(s.Principal?.AWS ?? []);
  const byArn = allowing.filter((s) => principals(s).includes(sourceArn));
  const byRoot = allowing.filter((s) => principals(s).some((p) => typeof p === 'string' && ACCOUNT_ROOT.test(p)));
  const trusting = byArn.length > 0 ? byArn : byRoot;
  const trusted = new Set(trusting.flatMap(actionsOf));
  const missing = ['sts:AssumeRole', 'sts:TagSession'].filter((action) => !trusted.has(action));
  if (trusting.length === 0) {
    findings.fail(
      scenario.id,
      'target role trust',
      `${targetId} does not trust ${sourceId}, the role of ${logicalId}: EKS's second AssumeRole is denied and the pod gets no credentials.`,
      `Trust the association's role in ${targetId}: Principal AWS = the ARN of ${sourceId}, with sts:AssumeRole and sts:TagSession.`,
    );
  } else if (missing.length > 0) {
    findings.fail(
      scenario.id,
      'target role trust',
      `${targetId} trusts ${byArn.length > 0 ? sourceId : `the account of ${sourceId}`} without ${missing.join(' and ')}: EKS assumes the target role passing the pod's session tags on (they are transitive), which STS allows only with sts:TagSession, so the pod gets no credentials.`,
      `Allow both sts:AssumeRole and sts:TagSession in the statement of ${targetId}'s trust that names ${sourceId}.`,
    );
  } else {
    findings.pass(
      scenario.id,
      'target role trust',
      `${logicalId}: EKS assumes ${sourceId}, then ${targetId}, which trusts ${byArn.length > 0 ? 'it' : 'its account'} with sts:AssumeRole and sts:TagSession.`,
    );
  }

  if (byArn.length > 0) {
    findings.pass(
      scenario.id,
      'target role permission',
      `${targetId}'s trust names ${sourceId} by ARN, in the same account: that alone lets it assume ${targetId}, no identity policy needed.`,
    );
    return;
  }
  if (byRoot.length === 0) return;
  const mayAssume = permissionsOf(stack, sourceId).some(
    (s) => actionsOf(s).includes('sts:AssumeRole') && ([] as unknown[]).concat(s.Resource ?? []).some((r) => r === targetArn || r === '*'),
  );
  if (!mayAssume) {
    findings.fail(
      scenario.id,
      'target role permission',
      `${targetId}'s trust names the account root, not ${sourceId}, and ${sourceId} may not sts:AssumeRole ${targetId}: the second assumption of ${logicalId} is denied.`,
      `Allow sts:AssumeRole and sts:TagSession on the ARN of ${targetId} in a policy of ${sourceId}, or name ${sourceId}'s ARN in ${targetId}'s trust.`,
    );
  } else {
    findings.pass(scenario.id, 'target role permission', `${sourceId} may assume ${targetId}, whose trust names the account root.`);
  }
}

const SESSION_TAG = /\$\{aws:PrincipalTag\/([^}]+)\}/g;
const REQUEST_TAG = /^aws:RequestTag\/(.+)$/;

/**
 * ABAC reads the session tags EKS sets: a policy variable `${aws:PrincipalTag/<key>}` or a trust
 * condition on `aws:RequestTag/<key>`. A key EKS never sets, or tags the association disables,
 * leave the variable empty and the condition unmet (EKS user guide, pod-id-abac).
 */
function checkSessionTags(stack: StackTemplate, scenario: Scenario, association: Association, findings: FindingList): void {
  const roleId = roleIdOf(stack.property(association.resource, 'RoleArn'));
  if (!roleId) return;
  const { logicalId } = association;
  // A target role's trust sees the tags too: EKS passes them on when it assumes it.
  const targetId = roleIdOf(stack.property(association.resource, 'TargetRoleArn'));
  const roles = [roleId, ...(targetId && stack.resources[targetId] ? [targetId] : [])];
  const known = new Set<string>(POD_IDENTITY_SESSION_TAGS);
  const read = new Set(roles.flatMap((id) => [...JSON.stringify(permissionsOf(stack, id)).matchAll(SESSION_TAG)].map((m) => m[1])));
  const required = new Set(
    roles.flatMap((id) =>
      trustOf(stack, id).flatMap((s) =>
        Object.values(s.Condition ?? {}).flatMap((conditions) =>
          Object.keys(conditions).flatMap((key) => REQUEST_TAG.exec(key)?.[1] ?? []),
        ),
      ),
    ),
  );
  const roleNames = roles.join(' and ');
  if (read.size === 0 && required.size === 0) return;

  const unknown = [...new Set([...read, ...required])].filter((key) => !known.has(key));
  if (unknown.length > 0) {
    findings.fail(
      scenario.id,
      'session tags',
      `${roleNames} read${roles.length > 1 ? '' : 's'} the session tag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which EKS never sets (it sets ${POD_IDENTITY_SESSION_TAGS.join(', ')}): the condition or resource never matches, so access is denied.`,
      `Use one of the tags EKS sets, e.g. \${aws:PrincipalTag/kubernetes-namespace} or aws:RequestTag/kubernetes-namespace.`,
    );
  } else if (association.tagsDisabled) {
    findings.fail(
      scenario.id,
      'session tags',
      `${logicalId} disables session tags, but ${roleNames} depend${roles.length > 1 ? '' : 's'} on ${[...read, ...required].join(', ')}: without the tags ${read.size > 0 ? 'the policy variable is empty and no object matches' : 'the trust condition fails and EKS cannot assume the role'}.`,
      `Leave DisableSessionTags unset on ${logicalId}, or stop reading session tags in ${roleNames}.`,
    );
  } else {
    findings.pass(
      scenario.id,
      'session tags',
      `${roleNames} use${roles.length > 1 ? '' : 's'} the session tag${read.size + required.size > 1 ? 's' : ''} ${[...new Set([...read, ...required])].join(', ')}, which EKS sets on every session of ${logicalId}.`,
    );
  }
}
