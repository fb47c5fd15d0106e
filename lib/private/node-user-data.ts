import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * AL2023 node user data that sets kubelet's max pods. EKS merges this
 * `NodeConfig` with the one it generates for the managed node group.
 * @see https://awslabs.github.io/amazon-eks-ami/nodeadm/
 */
export function nodeUserData(maxPods: number): ec2.UserData {
  const userData = new ec2.MultipartUserData();
  userData.addPart(
    ec2.MultipartBody.fromRawBody({
      contentType: 'application/node.eks.aws',
      body: [
        'apiVersion: node.eks.aws/v1alpha1',
        'kind: NodeConfig',
        'spec:',
        '  kubelet:',
        '    config:',
        `      maxPods: ${maxPods}`,
      ].join('\n'),
    }),
  );
  return userData;
}
