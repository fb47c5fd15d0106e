import { LAB_CLUSTER } from '../../cluster-contract';
import { CONTEXT_KEYS, ImdsMode } from '../../lab-config';
import { CallerKind, LabToggles, SCENARIOS, Scenario, ScenarioId, expectedOutcome } from '../../scenarios';
import { CHAIN_TARGET_ROLE_NAME } from '../../lab-names';
import type { TrailEvent } from '../commands/trail';

/** Every stack `cdk deploy --all` creates for the lab, cluster first. */
export function labStackNames(): string[] {
  return [...new Set([LAB_CLUSTER.name, ...SCENARIOS.map((s) => s.stackName)])];
}

/**
 * The toggle settings an end-to-end run visits after the defaults: every other value of each
 * toggle in turn, the others at their defaults. The values come from the enums in
 * lib/lab-config.ts, so a new IMDS mode is visited without changing this.
 */
export function toggleVariants(base: LabToggles, imdsModes: readonly ImdsMode[] = Object.values(ImdsMode)): LabToggles[] {
  return [
    ...imdsModes.filter((imds) => imds !== base.imds).map((imds) => ({ ...base, imds })),
    ...[false, true].filter((access) => access !== base.nodeRoleS3Access).map((nodeRoleS3Access) => ({ ...base, nodeRoleS3Access })),
  ];
}

/** `-c key=value` for every toggle, so a deploy never inherits a value from an earlier one. */
export function contextArgs(toggles: LabToggles): string[] {
  return ['-c', `${CONTEXT_KEYS.imds}=${toggles.imds}`, '-c', `${CONTEXT_KEYS.nodeRoleS3Access}=${toggles.nodeRoleS3Access}`];
}

/** `imds=locked`, or `defaults` for the settings cdk.json deploys. */
export function describeToggles(toggles: LabToggles, base?: LabToggles): string {
  const changed = (Object.keys(toggles) as (keyof LabToggles)[]).filter((key) => base === undefined || toggles[key] !== base[key]);
  return changed.length === 0 ? 'defaults' : changed.map((key) => `${key}=${toggles[key]}`).join(', ');
}

/** What CloudTrail must show for a scenario, or undefined when its pod makes no AWS call. */
export interface TrailExpectation {
  readonly scenario: ScenarioId;
  readonly caller: CallerKind;
  /** What to look for, in words, for the report. */
  readonly looksFor: string;
  readonly matches: (event: TrailEvent) => boolean;
}

/**
 * The CloudTrail event that proves who each scenario's pod was under `toggles`. Role and user
 * names start with their stack's name, as CloudFormation names them `<stack>-<logical id>-<random>`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html).
 */
export function trailExpectations(toggles: LabToggles): TrailExpectation[] {
  // The Pod Identity feature scenarios read S3 objects, and object reads are data events, which
  // CloudTrail's event history does not hold; `lab trail` shows their role chain instead.
  return SCENARIOS.filter((scenario) => !scenario.probes).flatMap((scenario) => {
    const { caller } = expectedOutcome(scenario.id, toggles);
    const expectation = expectationFor(scenario, caller);
    return expectation ? [{ scenario: scenario.id, caller, ...expectation }] : [];
  });
}

function expectationFor(scenario: Scenario, caller: CallerKind): Pick<TrailExpectation, 'looksFor' | 'matches'> | undefined {
  switch (caller) {
    case CallerKind.NODE_ROLE:
      // Credentials an instance got from IMDS carry ec2RoleDelivery in their session context.
      return {
        looksFor: `ListBuckets as an assumed ${LAB_CLUSTER.name} node role with ec2RoleDelivery`,
        matches: (e) =>
          e.eventName === 'ListBuckets' &&
          e.identityType === 'AssumedRole' &&
          e.ec2RoleDelivery !== undefined &&
          (e.identity ?? '').includes(`:assumed-role/${LAB_CLUSTER.name}-`),
      };
    case CallerKind.IAM_USER:
      return {
        looksFor: `ListBuckets as IAM user ${scenario.stackName}-…`,
        matches: (e) =>
          e.eventName === 'ListBuckets' && e.identityType === 'IAMUser' && (e.identity ?? '').includes(`:user/${scenario.stackName}-`),
      };
    case CallerKind.WEB_IDENTITY_ROLE:
      return {
        looksFor: `AssumeRoleWithWebIdentity for role ${scenario.stackName}-…, not refused`,
        // A refused exchange is logged too, with its errorCode (AWS re:Post, eks-troubleshoot-sdk-workload): it proves nothing.
        matches: (e) =>
          e.eventName === 'AssumeRoleWithWebIdentity' && !e.errorCode && (e.roleArn ?? '').includes(`:role/${scenario.stackName}-`),
      };
    case CallerKind.POD_IDENTITY_ROLE:
      return {
        looksFor: `ListBuckets as an assumed ${scenario.stackName}-… role`,
        matches: (e) => e.eventName === 'ListBuckets' && (e.identity ?? '').includes(`:assumed-role/${scenario.stackName}-`),
      };
    case CallerKind.TARGET_ROLE:
      // The chained role is assumed from the association's session: its ListBuckets names the target role.
      return {
        looksFor: `ListBuckets as the assumed ${CHAIN_TARGET_ROLE_NAME} role`,
        matches: (e) => e.eventName === 'ListBuckets' && (e.identity ?? '').includes(`:assumed-role/${CHAIN_TARGET_ROLE_NAME}/`),
      };
    case CallerKind.NONE:
      return undefined;
  }
}
