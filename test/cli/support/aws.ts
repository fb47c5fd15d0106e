import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '../../../lib/cli/aws-clients';

/** Real SDK clients with dummy credentials, each behind aws-sdk-client-mock: nothing leaves the process. */
export function mockedAws() {
  const config = {
    region: 'us-east-2',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  };
  const clients: AwsClients = {
    cloudFormation: new CloudFormationClient(config),
    cloudTrail: new CloudTrailClient(config),
    logs: new CloudWatchLogsClient(config),
    ec2: new EC2Client(config),
    eks: new EKSClient(config),
    iam: new IAMClient(config),
    secretsManager: new SecretsManagerClient(config),
    sts: new STSClient(config),
  };
  const mocks = {
    cloudFormation: mockClient(clients.cloudFormation),
    cloudTrail: mockClient(clients.cloudTrail),
    logs: mockClient(clients.logs),
    ec2: mockClient(clients.ec2),
    eks: mockClient(clients.eks),
    iam: mockClient(clients.iam),
    secretsManager: mockClient(clients.secretsManager),
    sts: mockClient(clients.sts),
  };
  return { clients, mocks };
}
