import { estimateCost, runCost } from '../../lib/cli/commands/cost';
import { LabAssembly } from '../../lib/cli/assembly';
import { ExitCode } from '../../lib/cli/errors';
import { HOURS_PER_MONTH, PRICE_TABLE, SupportTier, supportTier } from '../../lib/cli/private/price-table';
import { KUBERNETES_VERSION, NODE_GROUP } from '../../lib/app/cluster-stack';
import { copyAssembly, editTemplate, synthLab } from './support/assembly';
import { CapturedTerminal } from './support/output';

const CLUSTER = 'eks-oidc-demo';
let synthesized: string;
beforeAll(async () => {
  synthesized = await synthLab();
}, 60_000);

function run(dir: string, budget?: number, json = false) {
  const terminal = new CapturedTerminal();
  const code = runCost({ assembly: dir, budget }, terminal.output(json));
  return { code, text: terminal.text, terminal };
}

function editCluster(edit: (template: any) => void): string {
  const dir = copyAssembly(synthesized);
  editTemplate(dir, CLUSTER, (t) => {
    edit(t);
    return t;
  });
  return dir;
}

function resourceOfType(template: any, type: string): any {
  return Object.values(template.Resources).find((r: any) => r.Type === type);
}

describe('lab cost', () => {
  test('GIVEN the synthesized lab WHEN estimated THEN it itemizes control plane, node, disk, IPv4, KMS key and secret', () => {
    // GIVEN the lab's own sizing, from the cluster stack
    const node = PRICE_TABLE.instancePerHour[NODE_GROUP.instanceType];
    const expected =
      PRICE_TABLE.eksControlPlanePerHour.standard +
      node +
      (NODE_GROUP.rootVolumeGiB * PRICE_TABLE.ebsPerGbMonth.gp3) / HOURS_PER_MONTH +
      PRICE_TABLE.publicIpv4PerHour +
      PRICE_TABLE.kmsKeyPerMonth / HOURS_PER_MONTH +
      PRICE_TABLE.secretPerMonth / HOURS_PER_MONTH;

    // WHEN
    const estimate = estimateCost(LabAssembly.read(synthesized));

    // THEN
    expect(estimate.unpriced).toEqual([]);
    expect(estimate.items.map((i) => i.item)).toEqual([
      `EKS control plane, Kubernetes ${KUBERNETES_VERSION.version}`,
      `EC2 ${NODE_GROUP.instanceType} (node group ${NODE_GROUP.name})`,
      `EBS gp3 ${NODE_GROUP.rootVolumeGiB} GB, /dev/xvda (node group ${NODE_GROUP.name})`,
      `public IPv4 (node group ${NODE_GROUP.name})`,
      'KMS key',
      'Secrets Manager secret',
    ]);
    expect(estimate.hourly).toBeCloseTo(expected, 10);
    expect(estimate.monthly).toBeCloseTo(expected * 730, 8);
  });

  test('states the date and source of its prices, and passes a 0.13 USD/h budget', () => {
    const { code, text } = run(synthesized, 0.13);
    expect(code).toBe(ExitCode.OK);
    expect(text).toContain('AWS list prices, US East (Ohio), on-demand, USD, as of 2026-11-26');
    expect(text).toMatch(/│\s+│ total\s+│\s+│\s+│ 0\.12\d\d │ 9\d\.\d\d\s+│/);
    expect(text).toContain('✓ Within budget');
  });

  test('fails over budget and says by how much', () => {
    const { code, text } = run(synthesized, 0.1);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toMatch(/✗ Over budget: 0\.12\d\d USD\/h > 0\.1 USD\/h\./);
  });

  test('GIVEN a t4g.medium node instead WHEN checked against 0.13 USD/h THEN it is over budget: the node cannot grow', () => {
    // GIVEN the one change that would give the node more pod slots without prefix delegation
    const dir = editCluster((t) => (resourceOfType(t, 'AWS::EKS::Nodegroup').Properties.InstanceTypes = ['t4g.medium']));

    // WHEN
    const { code, text } = run(dir, 0.13);

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain('✗ Over budget: 0.1427 USD/h > 0.13 USD/h.');
  });

  test('fails on an instance type the price table does not know, and names it', () => {
    const dir = editCluster((t) => (resourceOfType(t, 'AWS::EKS::Nodegroup').Properties.InstanceTypes = ['c7i.large']));
    const { code, text } = run(dir);
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(text).toContain(
      '✗ No price for EC2 c7i.large (node group lab) in eks-oidc-demo: instance type c7i.large is not in the price table.',
    );
  });

  test('GIVEN a version past standard support WHEN estimated THEN the control plane costs the extended price', () => {
    const dir = editCluster((t) => (resourceOfType(t, 'AWS::EKS::Cluster').Properties.Version = '1.31'));
    const [controlPlane] = estimateCost(LabAssembly.read(dir)).items;
    expect(controlPlane).toMatchObject({ item: 'EKS control plane, Kubernetes 1.31', hourly: PRICE_TABLE.eksControlPlanePerHour.extended });
    expect(controlPlane.note).toContain('standard support ended 2025-11-26');
  });

  test('GIVEN a NAT gateway with its address WHEN estimated THEN both are billed by the hour', () => {
    const dir = editCluster((t) => {
      t.Resources.Nat = { Type: 'AWS::EC2::NatGateway', Properties: { AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } } };
      t.Resources.Eip = { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } };
    });
    const items = estimateCost(LabAssembly.read(dir)).items;
    expect(items).toContainEqual(expect.objectContaining({ item: 'NAT gateway', hourly: PRICE_TABLE.natGatewayPerHour }));
    expect(items).toContainEqual(expect.objectContaining({ item: 'Elastic IP (public IPv4)', hourly: PRICE_TABLE.publicIpv4PerHour }));
  });

  test('prints one JSON document with --json', () => {
    const { terminal } = run(synthesized, 0.13, true);
    expect(terminal.json()).toMatchObject({ priceTable: { asOf: '2026-11-26' }, budget: 0.13, overBudget: false, ok: true });
  });

  test.each([
    ['1.35', SupportTier.STANDARD],
    ['1.34', SupportTier.STANDARD],
    ['1.33', SupportTier.EXTENDED],
    ['1.36', SupportTier.STANDARD],
    ['1.27', SupportTier.EXTENDED],
  ])('Kubernetes %s is in %s support on the price table date', (version, tier) => {
    expect(supportTier(version).tier).toBe(tier);
  });
});
