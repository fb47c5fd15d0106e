import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients, createAwsClients } from '../../../lib/cli/aws-clients';

/** Dummy credentials: nothing that could sign a real request. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** Real SDK clients with dummy credentials, each behind aws-sdk-client-mock: nothing leaves the process. */
export function mockedAws() {
  const clients: AwsClients = createAwsClients({ region: 'us-east-2', credentials: DUMMY_CREDENTIALS });
  const mocks = {
    cloudFormation: mockClient(clients.cloudFormation),
    cloudTrail: mockClient(clients.cloudTrail),
    cloudTrailGlobal: mockClient(clients.cloudTrailGlobal),
    logs: mockClient(clients.logs),
    ec2: mockClient(clients.ec2),
    eks: mockClient(clients.eks),
    iam: mockClient(clients.iam),
    kms: mockClient(clients.kms),
    secretsManager: mockClient(clients.secretsManager),
    sts: mockClient(clients.sts),
    s3: mockClient(clients.s3),
  };
  return { clients, mocks };
}
