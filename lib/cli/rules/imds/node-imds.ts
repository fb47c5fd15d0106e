import { ClusterModel, MetadataOptions } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';

/** The setting that opens IMDS to pods, and why. */
export interface ImdsHole {
  /** `HttpTokens` or `HttpPutResponseHopLimit`, as MetadataOptions names it. */
  readonly setting: 'HttpTokens' | 'HttpPutResponseHopLimit';
  readonly why: string;
}

/**
 * What opens IMDS to pods, or undefined if nothing does. The hop limit applies to the IMDSv2
 * token PUT alone: with HttpTokens optional the SDK falls back to an IMDSv1 GET, which no hop
 * limit stops (EC2 User Guide, instancedata-data-retrieval.html).
 */
export function imdsHole(options: MetadataOptions): ImdsHole | undefined {
  if (options.httpTokens !== 'required') {
    const tokens = `HttpTokens ${options.httpTokens ?? 'unset'}: IMDSv1 answers a plain GET from any pod`;
    return {
      setting: 'HttpTokens',
      why:
        (options.hopLimit ?? 1) >= 2
          ? `${tokens}, whatever the hop limit`
          : `${tokens}. Hop limit 1 does not help: it stops only the IMDSv2 token PUT, and the SDK then falls back to IMDSv1`,
    };
  }
  if ((options.hopLimit ?? 1) >= 2) {
    return {
      setting: 'HttpPutResponseHopLimit',
      why: `hop limit ${options.hopLimit}: the IMDSv2 token reply reaches pods in their own network namespace`,
    };
  }
  return undefined;
}

/**
 * A pod with no credential of its own falls back to IMDS and the node's role. IMDSv2 with hop
 * limit 1 keeps pods out (EC2 User Guide, instancedata-data-retrieval.html; EKS best practices,
 * "Restrict access to the instance profile assigned to the worker node").
 */
export const nodeImds: Rule = {
  id: 'EKSIMDS1',
  name: 'nodes keep pods away from IMDS',
  severity: Severity.WARNING,
  explanation: 'Nodes with IMDSv1 open or a hop limit of 2 or more hand the node role to every pod that has no credentials of its own.',
  resolution: "Require IMDSv2 with HttpPutResponseHopLimit 1 on the node group's launch template.",
  links: [
    'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html',
    'https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html',
  ],
  evaluate(model: ClusterModel): Finding[] {
    if (model.missing.instances && model.nodes.length > 0) {
      return [notVerifiable(this, `cluster ${model.cluster.name}`, model.missing.instances, 'Allow ec2:DescribeInstances.')];
    }
    return model.nodes.flatMap((node) => {
      const hole = node.metadata && imdsHole(node.metadata);
      if (!hole) return [];
      return [
        finding(this, {
          subject: `node ${node.name}${node.instanceId ? ` (${node.instanceId})` : ''}`,
          mechanism: Mechanism.IMDS,
          field: `MetadataOptions.${hole.setting}`,
          expected: 'HttpTokens required, HttpPutResponseHopLimit 1',
          message: `The node has ${hole.why}.`,
          fix: `aws ec2 modify-instance-metadata-options --instance-id ${node.instanceId ?? '<id>'} --http-tokens required --http-put-response-hop-limit 1, and fix the launch template for the nodes to come.`,
        }),
      ];
    });
  },
};
