import * as blueprints from '@aws-quickstart/eks-blueprints';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * A VPC with public subnets only, in two fixed zones.
 *
 * Blueprints' default VPC has two NAT gateways (about 0.09 $/h), more than the
 * lab's node costs. Nodes here sit in public subnets with a public IPv4 address
 * instead (0.005 $/h). The zones are named, not looked up, so synth never calls AWS.
 */
export class LabVpcProvider implements blueprints.ResourceProvider<ec2.IVpc> {
  provide(context: blueprints.ResourceContext): ec2.IVpc {
    return new ec2.Vpc(context.scope, 'Vpc', {
      availabilityZones: ['us-east-2a', 'us-east-2b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: true }],
      // Stripping the default group's rules takes a custom-resource Lambda whose log group
      // outlives the stack; nothing in the lab uses the default group, so it is left as is.
      restrictDefaultSecurityGroup: false,
    });
  }
}
