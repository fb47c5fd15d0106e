import { LAB_CLUSTER } from '../../cluster-contract';
import { CHAIN_TARGET_ROLE_NAME } from '../../lab-names';
import { CallerKind } from '../../scenarios';
import { ExecResult } from '../kube';

/** What the SDK prints when its whole chain found nothing. */
export const NO_CREDENTIALS_SIGNATURE = 'Unable to locate credentials';

/**
 * What the AWS CLI prints when the exchange for credentials was refused: STS's answer to
 * AssumeRoleWithWebIdentity (IRSA), or the Pod Identity agent's error (botocore's container
 * provider). The pod then has no credentials either; lib/scenarios.ts cites both formats.
 */
export const REFUSED_CREDENTIALS_SIGNATURES: readonly string[] = [
  'when calling the AssumeRoleWithWebIdentity operation',
  'Error when retrieving credentials from container-role',
];

/** The identity a pod's `aws sts get-caller-identity` reported. */
export interface ObservedCaller {
  /**
   * The kind of caller.
   * @default - unknown: the command failed in another way, or the ARN matches no known pattern
   */
  readonly kind?: CallerKind;
  /**
   * The caller's ARN.
   * @default - none: no identity was returned
   */
  readonly arn?: string;
  /** What the command printed, shortened, when it returned no identity. */
  readonly detail?: string;
}

/**
 * Classifies a caller ARN the way CloudTrail's `userIdentity` reads:
 * the session name tells how the role was assumed.
 */
export function classifyCallerArn(arn: string): CallerKind | undefined {
  if (/^arn:aws[\w-]*:iam::\d{12}:user\//.test(arn)) return CallerKind.IAM_USER;
  const assumed = /^arn:aws[\w-]*:sts::\d{12}:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (!assumed) return undefined;
  const [, role, session] = assumed;
  // The role-chaining target role is known by its name: its sessions look like any Pod Identity session.
  if (role === CHAIN_TARGET_ROLE_NAME) return CallerKind.TARGET_ROLE;
  // EC2 names the node role's session after the instance: `i-0123…`.
  if (/^i-[0-9a-f]{8,17}$/.test(session) || /Node(Group|Instance)Role/i.test(role)) return CallerKind.NODE_ROLE;
  // The AWS CLI (botocore) and the JS SDK name web identity sessions this way.
  if (/^(botocore-session|aws-sdk-js-session)-\d+$/.test(session)) return CallerKind.WEB_IDENTITY_ROLE;
  // EKS Auth names Pod Identity sessions `eks-<cluster>-<pod>-<uuid>`, cut to STS's 64 characters.
  if (session.startsWith(`eks-${LAB_CLUSTER.name}-`) || /^eks-.*[0-9a-f]{8}-[0-9a-f]{4}-/.test(session))
    return CallerKind.POD_IDENTITY_ROLE;
  return undefined;
}

/** Reads the result of `aws sts get-caller-identity --output json` run in a pod. */
export function callerFromExec(result: ExecResult): ObservedCaller {
  const printed = `${result.stdout}\n${result.stderr}`;
  if (printed.includes(NO_CREDENTIALS_SIGNATURE)) return { kind: CallerKind.NONE, detail: NO_CREDENTIALS_SIGNATURE };
  const refused = printed.split('\n').find((line) => REFUSED_CREDENTIALS_SIGNATURES.some((signature) => line.includes(signature)));
  if (refused) return { kind: CallerKind.NONE, detail: refused.trim() };
  try {
    const arn = (JSON.parse(result.stdout) as { Arn?: string }).Arn;
    if (arn) return { kind: classifyCallerArn(arn), arn };
  } catch {
    // Not JSON: an error message, shown as the detail.
  }
  const detail = printed.trim().split('\n').filter(Boolean).pop() ?? `exit ${result.exitCode ?? '?'}`;
  return { detail: detail.length > 160 ? `${detail.slice(0, 157)}...` : detail };
}
