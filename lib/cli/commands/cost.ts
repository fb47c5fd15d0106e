import { LabAssembly, StackTemplate } from '../assembly';
import { ExitCode } from '../errors';
import { Output } from '../output';
import { CfnResource } from '../private/intrinsics';
import { HOURS_PER_MONTH, PRICE_TABLE, SupportTier, supportTier } from '../private/price-table';

/** One line of the estimate. */
export interface CostItem {
  /** The stack the resource is in. */
  readonly stack: string;
  /** What is billed, e.g. `EC2 t4g.small (node group lab)`. */
  readonly item: string;
  readonly quantity: number;
  /** The price of one unit, in `unit`. */
  readonly unitPrice: number;
  /** `USD/h` or `USD/month`. */
  readonly unit: string;
  readonly hourly: number;
  readonly monthly: number;
  /** How the line was derived, when it needs saying. */
  readonly note?: string;
}

/** What the estimate could not price. */
export interface UnpricedItem {
  readonly stack: string;
  readonly item: string;
  readonly reason: string;
}

export interface CostEstimate {
  readonly priceTable: { readonly source: string; readonly asOf: string };
  readonly items: readonly CostItem[];
  readonly unpriced: readonly UnpricedItem[];
  readonly hourly: number;
  readonly monthly: number;
  /** Billed per use rather than per hour; cents at lab scale, left out of the total. */
  readonly notCounted: readonly string[];
}

const NOT_COUNTED = [
  'Lambda (kubectl provider, custom resources): per request',
  'CloudWatch Logs and CloudTrail lookups: per GB / free tier',
  'data transfer and S3 requests: per GB / per request',
  'S3 storage: per GB-month (the lab bucket holds two objects of a few bytes)',
];

/** Prices everything the assembly keeps running, per hour and per month. */
export function estimateCost(assembly: LabAssembly): CostEstimate {
  const items: CostItem[] = [];
  const unpriced: UnpricedItem[] = [];
  for (const stack of assembly.stacks) {
    items.push(...controlPlanes(stack, unpriced));
    items.push(...nodeGroups(stack, unpriced));
    items.push(...counted(stack, 'AWS::EC2::NatGateway', 'NAT gateway', PRICE_TABLE.natGatewayPerHour, 'USD/h'));
    items.push(...counted(stack, 'AWS::EC2::EIP', 'Elastic IP (public IPv4)', PRICE_TABLE.publicIpv4PerHour, 'USD/h'));
    items.push(...counted(stack, 'AWS::KMS::Key', 'KMS key', PRICE_TABLE.kmsKeyPerMonth, 'USD/month'));
    items.push(...counted(stack, 'AWS::SecretsManager::Secret', 'Secrets Manager secret', PRICE_TABLE.secretPerMonth, 'USD/month'));
  }
  const hourly = items.reduce((sum, item) => sum + item.hourly, 0);
  return {
    priceTable: { source: PRICE_TABLE.source, asOf: PRICE_TABLE.asOf },
    items,
    unpriced,
    hourly,
    monthly: hourly * HOURS_PER_MONTH,
    notCounted: NOT_COUNTED,
  };
}

export interface CostOptions {
  /** The cloud assembly directory. */
  readonly assembly: string;
  /**
   * Fail when the hourly total is above this many USD.
   * @default - no budget: only unpriced items fail
   */
  readonly budget?: number;
}

/** `lab cost`: prints the estimate; fails over budget or when something has no price. */
export function runCost(options: CostOptions, out: Output): ExitCode {
  const estimate = estimateCost(LabAssembly.read(options.assembly));
  const overBudget = options.budget !== undefined && estimate.hourly > options.budget;
  const exitCode = estimate.unpriced.length > 0 ? ExitCode.CANNOT_CHECK : overBudget ? ExitCode.CHECK_FAILED : ExitCode.OK;

  out.result({ ...estimate, budget: options.budget, overBudget, ok: exitCode === ExitCode.OK });
  out.paragraph(`Estimated running cost of ${options.assembly}`);
  out.paragraph(`(${estimate.priceTable.source}, as of ${estimate.priceTable.asOf})`);
  out.table(
    ['stack', 'item', 'qty', 'unit price', 'USD/h', 'USD/month'],
    [
      ...estimate.items.map((item) => [
        item.stack,
        item.note ? `${item.item}\n(${item.note})` : item.item,
        String(item.quantity),
        `${item.unitPrice} ${item.unit}`,
        usd(item.hourly, 4),
        usd(item.monthly, 2),
      ]),
      ['', 'total', '', '', usd(estimate.hourly, 4), usd(estimate.monthly, 2)],
    ],
  );
  out.paragraph(`A month is ${HOURS_PER_MONTH} h. Not counted (${NOT_COUNTED.length} per-use items): ${NOT_COUNTED.join('; ')}.`);
  for (const item of estimate.unpriced) {
    out.say(
      `✗ No price for ${item.item} in ${item.stack}: ${item.reason}. Add it to lib/cli/private/price-table.ts or change the resource.`,
    );
  }
  if (options.budget !== undefined) {
    out.say(
      overBudget
        ? `✗ Over budget: ${usd(estimate.hourly, 4)} USD/h > ${options.budget} USD/h.`
        : `✓ Within budget: ${usd(estimate.hourly, 4)} USD/h <= ${options.budget} USD/h.`,
    );
  }
  return exitCode;
}

function usd(value: number, digits: number): string {
  return value.toFixed(digits);
}

function item(stack: StackTemplate, name: string, quantity: number, unitPrice: number, unit: string, note?: string): CostItem {
  const hourly = unit === 'USD/h' ? quantity * unitPrice : (quantity * unitPrice) / HOURS_PER_MONTH;
  return { stack: stack.stackName, item: name, quantity, unitPrice, unit, hourly, monthly: hourly * HOURS_PER_MONTH, note };
}

function counted(stack: StackTemplate, type: string, name: string, unitPrice: number, unit: string): CostItem[] {
  const count = stack.resourcesOfType(type).length;
  return count > 0 ? [item(stack, name, count, unitPrice, unit)] : [];
}

function controlPlanes(stack: StackTemplate, unpriced: UnpricedItem[]): CostItem[] {
  const clusters = [
    ...stack.resourcesOfType('AWS::EKS::Cluster').map(({ resource }) => stack.property(resource, 'Version')),
    // The older aws-eks module creates its cluster through a custom resource.
    ...stack
      .resourcesOfType('Custom::AWSCDK-EKS-Cluster')
      .map(({ resource }) => (stack.property(resource, 'Config') as { version?: unknown } | undefined)?.version),
  ];
  return clusters.flatMap((version) => {
    if (typeof version !== 'string') {
      unpriced.push({
        stack: stack.stackName,
        item: 'EKS control plane',
        reason: 'the cluster names no Kubernetes version, so its support tier is unknown',
      });
      return [];
    }
    const { tier, reason } = supportTier(version);
    const price = tier === SupportTier.STANDARD ? PRICE_TABLE.eksControlPlanePerHour.standard : PRICE_TABLE.eksControlPlanePerHour.extended;
    return [item(stack, `EKS control plane, Kubernetes ${version}`, 1, price, 'USD/h', reason)];
  });
}

function nodeGroups(stack: StackTemplate, unpriced: UnpricedItem[]): CostItem[] {
  return stack.resourcesOfType('AWS::EKS::Nodegroup').flatMap(({ logicalId, resource }) => {
    const name = String(stack.property(resource, 'NodegroupName') ?? logicalId);
    const scaling = (stack.property(resource, 'ScalingConfig') ?? {}) as { DesiredSize?: number; MinSize?: number };
    const nodes = scaling.DesiredSize ?? scaling.MinSize ?? 1;
    const launchTemplate = launchTemplateOf(stack, resource);
    const data = (launchTemplate ? stack.property(launchTemplate, 'LaunchTemplateData') : undefined) as LaunchTemplateData | undefined;
    const lines: CostItem[] = [];

    const types = stack.property(resource, 'InstanceTypes') as string[] | undefined;
    // A node group with no type of its own or in its launch template gets EKS's default, t3.medium.
    const instanceType = types?.[0] ?? data?.InstanceType ?? 't3.medium';
    const price = PRICE_TABLE.instancePerHour[instanceType];
    if (price === undefined) {
      unpriced.push({
        stack: stack.stackName,
        item: `EC2 ${instanceType} (node group ${name})`,
        reason: `instance type ${instanceType} is not in the price table`,
      });
    } else {
      lines.push(item(stack, `EC2 ${instanceType} (node group ${name})`, nodes, price, 'USD/h', `desired size ${nodes}`));
    }

    const volumes = (data?.BlockDeviceMappings ?? []).filter((mapping) => mapping.Ebs);
    const disks =
      volumes.length > 0
        ? volumes.map((mapping) => ({
            size: mapping.Ebs!.VolumeSize ?? 8,
            type: mapping.Ebs!.VolumeType ?? 'gp2',
            device: mapping.DeviceName ?? '?',
          }))
        : [{ size: Number(stack.property(resource, 'DiskSize') ?? 20), type: 'gp3', device: 'default root volume' }];
    for (const disk of disks) {
      const perGb = PRICE_TABLE.ebsPerGbMonth[disk.type];
      if (perGb === undefined) {
        unpriced.push({
          stack: stack.stackName,
          item: `EBS ${disk.type} ${disk.device} (node group ${name})`,
          reason: `volume type ${disk.type} is not in the price table`,
        });
        continue;
      }
      lines.push(
        item(
          stack,
          `EBS ${disk.type} ${disk.size} GB, ${disk.device} (node group ${name})`,
          nodes * disk.size,
          perGb,
          'USD/GB-month',
          `${nodes} node(s) x ${disk.size} GB`,
        ),
      );
    }

    const publicSubnets = subnetsOf(stack, resource).filter((subnet) => stack.property(subnet, 'MapPublicIpOnLaunch') === true);
    if (publicSubnets.length > 0) {
      // A node launched into a MapPublicIpOnLaunch subnet gets a public IPv4 address, billed by the hour.
      lines.push(item(stack, `public IPv4 (node group ${name})`, nodes, PRICE_TABLE.publicIpv4PerHour, 'USD/h', 'nodes in public subnets'));
    }
    return lines;
  });
}

interface LaunchTemplateData {
  readonly InstanceType?: string;
  readonly BlockDeviceMappings?: { DeviceName?: string; Ebs?: { VolumeSize?: number; VolumeType?: string } }[];
}

function launchTemplateOf(stack: StackTemplate, nodeGroup: CfnResource): CfnResource | undefined {
  const reference = (nodeGroup.Properties?.LaunchTemplate as { Id?: unknown } | undefined)?.Id;
  const target = typeof reference === 'object' && reference !== null ? (reference as { Ref?: string }).Ref : undefined;
  return target ? stack.resources[target] : undefined;
}

function subnetsOf(stack: StackTemplate, nodeGroup: CfnResource): CfnResource[] {
  const subnets = (nodeGroup.Properties?.Subnets ?? []) as unknown[];
  return subnets
    .map((subnet) => (typeof subnet === 'object' && subnet !== null ? (subnet as { Ref?: string }).Ref : undefined))
    .filter((id): id is string => id !== undefined)
    .map((id) => stack.resources[id])
    .filter((subnet): subnet is CfnResource => subnet?.Type === 'AWS::EC2::Subnet');
}
