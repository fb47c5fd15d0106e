import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ImportedLabCluster, LAB_CLUSTER, importLabCluster } from '../cluster-contract';
import { LabBucket } from './lab-bucket';
import { CHAIN_TARGET_ROLE_NAME, POD_IDENTITY_PRINCIPAL, SESSION_POLICY_MAX_CHARS } from '../lab-names';
import { InjectionGate } from './lab-pods';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { acknowledgeListAllMyBuckets, acknowledgeNag, listAllMyBuckets } from './private/nag';
import { Scenario, ScenarioId, scenario, teamObjectKey } from '../scenarios';
import { stageOwnAssets } from './private/asset-staging';

/** The session tag EKS Pod Identity sets to the pod's namespace, as a policy variable. */
const NAMESPACE_TAG_VARIABLE = '${aws:PrincipalTag/kubernetes-namespace}';

/**
 * EKS Pod Identity as it stands since its 2023 launch, one scenario per feature, all in their
 * own namespaces:
 * - ABAC: one role for two teams; the session tag `kubernetes-namespace` decides what each reads.
 * - Role chaining: an association with a target role, the mechanism of cross-account access.
 * - Session policy: an association that narrows its role, with session tags disabled.
 *
 * Every pod runs once and ends; each scenario's pods wait until its association is in effect.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html
 */
export class PodIdentityAdvancedStack extends Stack {
  /** The lab-owned bucket: `team-a/` and `team-b/` each hold one object. */
  readonly labBucket: LabBucket;
  /** The one role of both teams. */
  readonly abacRole: iam.Role;
  /** The role-chaining association's role: it may only assume the target role. */
  readonly chainSourceRole: iam.Role;
  /** The role-chaining target role: the pod's credentials are its. */
  readonly chainTargetRole: iam.Role;
  /** The role the session policy narrows. */
  readonly sessionPolicyRole: iam.Role;

  constructor(scope: Construct, id: string, props: ScenarioStackProps) {
    super(scope, id, props);
    stageOwnAssets(this);
    const lab = importLabCluster(this);
    const teamA = scenario(ScenarioId.ABAC_TEAM_A);
    const teamB = scenario(ScenarioId.ABAC_TEAM_B);

    this.labBucket = new LabBucket(this, 'LabBucket', {
      objects: {
        [teamObjectKey(teamA.namespace)]: `Only pods of namespace ${teamA.namespace} may read this.\n`,
        [teamObjectKey(teamB.namespace)]: `Only pods of namespace ${teamB.namespace} may read this.\n`,
      },
    });
    const bucket = this.labBucket.bucket;

    // --- ABAC: one role, two teams -------------------------------------------------------------
    // EKS tags every session it creates with the pod's cluster, namespace and service account
    // (EKS user guide, pod-id-abac). The trust admits only the two teams' service account, and
    // the policy reads the namespace tag back: each team may read its own prefix, nothing else.
    this.abacRole = new iam.Role(this, 'AbacRole', {
      description: 'Pod Identity role of team-a and team-b: reads only the prefix named by the session kubernetes-namespace tag',
      assumedBy: new iam.SessionTagsPrincipal(
        new iam.ServicePrincipal(POD_IDENTITY_PRINCIPAL).withConditions({
          StringEquals: {
            'aws:RequestTag/kubernetes-namespace': [teamA.namespace, teamB.namespace],
            'aws:RequestTag/kubernetes-service-account': teamA.serviceAccount,
          },
        }),
      ),
    });
    this.abacRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${NAMESPACE_TAG_VARIABLE}/*`)] }),
    );
    acknowledgeNag(
      this.abacRole,
      "The * stays inside the prefix named by the session's own namespace tag: each team reads only objects under <namespace>/, which is the lesson.",
      // cdk-nag writes a policy variable ${x} as <x> in its finding ids.
      `IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/<aws:PrincipalTag/kubernetes-namespace>/*]`,
    );
    const teamAAssociation = this.associate('TeamAAssociation', teamA, { roleArn: this.abacRole.roleArn });
    const teamBAssociation = this.associate('TeamBAssociation', teamB, { roleArn: this.abacRole.roleArn });
    this.runPods('TeamA', teamA, teamAAssociation, lab, props, [this.abacRole, this.labBucket.objects]);
    this.runPods('TeamB', teamB, teamBAssociation, lab, props, [this.abacRole, this.labBucket.objects]);

    // --- Role chaining: the association's role, then its target role ----------------------------
    // EKS assumes the association's role, then with its credentials the target role, passing the
    // session tags on (they are transitive). So the target role trusts the first role with both
    // sts:AssumeRole and sts:TagSession (EKS user guide, pod-id-assign-target-role).
    const chaining = scenario(ScenarioId.ROLE_CHAINING);
    this.chainSourceRole = new iam.Role(this, 'ChainSourceRole', {
      description: 'Pod Identity role of role-chaining/eks-iam-test: may only assume the chain target role',
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal(POD_IDENTITY_PRINCIPAL)),
    });
    this.chainTargetRole = new iam.Role(this, 'ChainTargetRole', {
      // Named: a target role is what another account trusts by name, and `lab verify` knows the caller by it.
      roleName: CHAIN_TARGET_ROLE_NAME,
      description: 'Target role of the role-chaining association: may only list buckets',
      assumedBy: new iam.SessionTagsPrincipal(
        new iam.ArnPrincipal(this.chainSourceRole.roleArn).withConditions({
          StringEquals: {
            'aws:RequestTag/kubernetes-namespace': chaining.namespace,
            'aws:RequestTag/kubernetes-service-account': chaining.serviceAccount,
          },
        }),
      ),
    });
    this.chainTargetRole.addToPolicy(listAllMyBuckets());
    acknowledgeListAllMyBuckets(this.chainTargetRole);
    this.chainSourceRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [this.chainTargetRole.roleArn] }),
    );
    const chainAssociation = this.associate('ChainAssociation', chaining, {
      roleArn: this.chainSourceRole.roleArn,
      targetRoleArn: this.chainTargetRole.roleArn,
    });
    this.runPods('RoleChaining', chaining, chainAssociation, lab, props, [this.chainSourceRole, this.chainTargetRole]);

    // --- Session policy: the association narrows its role ---------------------------------------
    // The session gets what both the role's policies and the association's Policy allow. EKS
    // accepts a Policy only with DisableSessionTags true (EKS API reference, CreatePodIdentityAssociation).
    const narrowed = scenario(ScenarioId.SESSION_POLICY);
    this.sessionPolicyRole = new iam.Role(this, 'SessionPolicyRole', {
      description:
        'Pod Identity role of session-policy/eks-iam-test: may list buckets and read team-a/; its association allows only listing',
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal(POD_IDENTITY_PRINCIPAL)),
    });
    this.sessionPolicyRole.addToPolicy(listAllMyBuckets());
    this.sessionPolicyRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${teamA.namespace}/*`)] }),
    );
    acknowledgeNag(
      this.sessionPolicyRole,
      's3:ListAllMyBuckets supports no resource ARN, and the object read is scoped to the team-a/ prefix of the lab bucket.',
      'IAM5[Resource::*]',
      `IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${teamA.namespace}/*]`,
    );
    const sessionAssociation = this.associate('SessionPolicyAssociation', narrowed, {
      roleArn: this.sessionPolicyRole.roleArn,
      disableSessionTags: true,
      policy: sessionPolicy(this, new iam.PolicyDocument({ statements: [listAllMyBuckets()] })),
    });
    this.runPods('SessionPolicy', narrowed, sessionAssociation, lab, props, [this.sessionPolicyRole, this.labBucket.objects]);
  }

  /** An association of the lab cluster for the scenario's namespace and service account. */
  private associate(
    id: string,
    target: Scenario,
    options: Pick<eks.CfnPodIdentityAssociationProps, 'roleArn' | 'targetRoleArn' | 'disableSessionTags' | 'policy'>,
  ): eks.CfnPodIdentityAssociation {
    return new eks.CfnPodIdentityAssociation(this, id, {
      clusterName: LAB_CLUSTER.name,
      namespace: target.namespace,
      serviceAccount: target.serviceAccount,
      ...options,
    });
  }

  /** The scenario's namespace, service account and pods, created once the association is in effect. */
  private runPods(
    id: string,
    target: Scenario,
    association: eks.CfnPodIdentityAssociation,
    lab: ImportedLabCluster,
    props: ScenarioStackProps,
    needs: Construct[],
  ): void {
    const pods = new LabScenario(this, id, {
      cluster: lab.cluster,
      scenario: target,
      image: props.image,
      toggles: props.toggles,
      createServiceAccount: true,
      bucketName: this.labBucket.bucket.bucketName,
      // The webhook only injects credentials into pods created once the association is in effect.
      waitFor: InjectionGate.podIdentity({
        serviceAccount: target.serviceAccount,
        namespace: target.namespace,
        associationArn: association.attrAssociationArn,
      }),
    });
    pods.podsDependOn(association, ...needs);
  }
}

/**
 * A session policy as the association's `Policy` takes it: JSON, at most 2,048 characters, the
 * limit STS puts on the plaintext of session policies (AssumeRole API reference, `Policy`).
 */
export function sessionPolicy(scope: Construct, document: iam.PolicyDocument): string {
  const stack = Stack.of(scope);
  const json = stack.toJsonString(document);
  // Resolved, the JSON is a plain string unless it holds a deploy-time value, whose length is unknown here.
  const text: unknown = stack.resolve(json);
  if (typeof text === 'string' && text.length > SESSION_POLICY_MAX_CHARS) {
    throw new Error(
      `The session policy has ${text.length} characters; EKS passes it to STS, which accepts at most ${SESSION_POLICY_MAX_CHARS}. Shorten it, or grant less through the role instead.`,
    );
  }
  return json;
}
