import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients, createAwsClients } from '../../../lib/cli/aws-clients';

/** Real SDK clients with dummy credentials, each behind aws-sdk-client-mock: nothing leaves the process. */
export function mockedAws() {
  const config = {
    region: 'us-east-2',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  };
  const clients: AwsClients = createAwsClients(config);
  const mocks = {
    cloudFormation: mockClient(clients.cloudFormation),
    cloudTrail: mockClient(clients.cloudTrail),
    logs: mockClient(clients.logs),
    ec2: mockClient(clients.ec2),
    eks: mockClient(clients.eks),
    iam: mockClient(clients.iam),
    secretsManager: mockClient(clients.secretsManager),
    sts: mockClient(clients.sts),
    s3: mockClient(clients.s3),
  };
  return { clients, mocks };
}
