import { MINIMUM_AWS_CLI } from '../../lab-names';

/** A credential mode the AWS CLI must know to use what the webhook injects. */
export type CredentialMode = keyof typeof MINIMUM_AWS_CLI;

/** What each mode is called in messages. */
export const MODE_LABEL: Readonly<Record<CredentialMode, string>> = { irsa: 'IRSA', podIdentity: 'EKS Pod Identity' };

/**
 * The AWS CLI version of an `aws-cli:<x.y.z>` image and the oldest that supports `mode`, when
 * the image is older; undefined when it is new enough or not a versioned AWS CLI image.
 */
export function cliTooOld(image: string | undefined, mode: CredentialMode): { version: string; minimum: string } | undefined {
  const match = /aws-cli:(\d+)\.(\d+)\.(\d+)$/.exec(image ?? '');
  if (!match) return undefined;
  const version = match.slice(1, 4).map(Number);
  const minimum = (MINIMUM_AWS_CLI[mode] as Record<number, string>)[version[0]];
  if (!minimum) return undefined;
  const wanted = minimum.split('.').map(Number);
  const older = version.findIndex((part, i) => part !== wanted[i]);
  return older >= 0 && version[older] < wanted[older] ? { version: version.join('.'), minimum } : undefined;
}
