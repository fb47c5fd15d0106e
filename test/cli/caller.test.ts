import { callerFromExec, classifyCallerArn } from '../../lib/cli/private/caller';
import { CallerKind } from '../../lib/scenarios';

describe('caller classification', () => {
  test.each([
    [
      'arn:aws:sts::123456789012:assumed-role/eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6/i-0a1b2c3d4e5f67890',
      CallerKind.NODE_ROLE,
    ],
    ['arn:aws:iam::123456789012:user/eks-oidc-demo-secret-injected-StaticKeyUser46BD958E-ABC', CallerKind.IAM_USER],
    [
      'arn:aws:sts::123456789012:assumed-role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCd/botocore-session-1764158400',
      CallerKind.WEB_IDENTITY_ROLE,
    ],
    [
      'arn:aws:sts::123456789012:assumed-role/eks-oidc-demo-pod-identity-S3ListRole-AbCd/eks-eks-oidc-demo-eks-iam-test8-3c3e1a02-1c2b-4c4e-9f3c-1a2b3c4d',
      CallerKind.POD_IDENTITY_ROLE,
    ],
    [
      'arn:aws:sts::123456789012:assumed-role/eks-oidc-demo-pod-identity-S3ListRole-AbCd/eks-eks-oidc-de-eks-iam-te-3c3e1a02-1c2b-4c4e-9f3c-1a2b3c4d5e6f',
      CallerKind.POD_IDENTITY_ROLE,
    ],
  ])('%s is %s', (arn, kind) => {
    expect(classifyCallerArn(arn)).toBe(kind);
  });

  test('leaves an unknown session unclassified rather than guessing', () => {
    expect(classifyCallerArn('arn:aws:sts::123456789012:assumed-role/Admin/alice')).toBeUndefined();
  });

  test('reads "Unable to locate credentials" as no caller at all', () => {
    expect(
      callerFromExec({
        stdout: '',
        stderr: '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
        exitCode: 253,
      }),
    ).toEqual({
      kind: CallerKind.NONE,
      detail: 'Unable to locate credentials',
    });
  });

  test('keeps the last line of any other error', () => {
    expect(
      callerFromExec({
        stdout: '',
        stderr: 'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: expired\n',
        exitCode: 254,
      }),
    ).toEqual({
      detail: 'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: expired',
    });
  });
});

// The AWS error lines in these tests follow botocore's "An error occurred ({code}) when calling the
// {operation} operation: {message}" (botocore/exceptions.py, ClientError); where a message reads
// "denied" or "expired" it stands in for AWS's text, which no test here relies on.
describe('a refused credential exchange', () => {
  test.each([
    [
      'STS refusing IRSA',
      '\nAn error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience\n',
    ],
    [
      'the Pod Identity agent answering with an error',
      '\nError when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response 400 from container metadata: [id]: (AccessDeniedException): denied, fault: client\n',
    ],
  ])('reads %s as no caller at all, keeping the line', (_name, stderr) => {
    expect(callerFromExec({ stdout: '', stderr, exitCode: 254 })).toEqual({ kind: CallerKind.NONE, detail: stderr.trim() });
  });

  test('leaves an error of the call itself unclassified', () => {
    expect(
      callerFromExec({
        stdout: '',
        stderr: 'An error occurred (AccessDenied) when calling the GetCallerIdentity operation: denied\n',
        exitCode: 254,
      }).kind,
    ).toBeUndefined();
  });
});
