import { CdkCli } from './cdk-cli';
import { StackTemplate } from './cfn-values';
import { CloudFormation, ResourceRequest, StackFailure, StackStatus } from './cloudformation';

const ENV = { account: '123456789012', region: 'us-east-2' };

/** A handler that records each request and fails where `fails` says. */
function recorder(fails: (r: ResourceRequest) => string | undefined = () => undefined) {
  const seen: ResourceRequest[] = [];
  let version = 0;
  const handler = async (request: ResourceRequest) => {
    seen.push(request);
    const reason = fails(request);
    if (reason) throw new Error(reason);
    // A launch template's every update is a new version (aws-resource-ec2-launchtemplate.html).
    if (request.type === 'AWS::EC2::LaunchTemplate' && request.requestType !== 'Delete') {
      version += 1;
      return { attributes: { LatestVersionNumber: String(version) } };
    }
    return { physicalId: request.properties.Id as string | undefined };
  };
  return { seen, handler };
}

const brief = (r: ResourceRequest) => `${r.logicalId} ${r.requestType}${r.rollback ? ' (rollback)' : ''}`;

const custom = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Type: 'Custom::Thing',
  Properties: { ServiceToken: 'arn:aws:lambda:us-east-2:123456789012:function:x', ...properties },
  ...extra,
});

describe('the replayed CloudFormation', () => {
  test('creates each resource after those it names in DependsOn, Ref, Fn::GetAtt and Fn::Sub', async () => {
    // GIVEN resources declared before what they depend on
    const template: StackTemplate = {
      Resources: {
        D: custom({ Text: { 'Fn::Sub': 'in ${C}' } }),
        C: custom({ Arn: { 'Fn::GetAtt': ['B', 'Arn'] } }),
        B: custom({ Name: { Ref: 'A' } }),
        A: custom({}, { DependsOn: ['E'] }),
        E: custom({}),
      },
    };
    const { seen, handler } = recorder();

    // WHEN
    await new CloudFormation(handler, ENV).deploy('s', template);

    // THEN
    expect(seen.map(brief)).toEqual(['E Create', 'A Create', 'B Create', 'C Create', 'D Create']);
    expect(seen[4].properties.Text).toBe('in s-C-4');
  });

  test('sends an Update only to a resource whose resolved properties changed, with OldResourceProperties', async () => {
    // GIVEN a deployed stack
    const v1: StackTemplate = { Resources: { A: custom({ Toggle: 'open' }), B: custom({ Same: 1 }) } };
    const v2: StackTemplate = { Resources: { A: custom({ Toggle: 'locked' }), B: custom({ Same: 1 }, { DependsOn: 'A' }) } };
    const { seen, handler } = recorder();
    const cfn = new CloudFormation(handler, ENV);
    await cfn.deploy('s', v1);
    seen.length = 0;

    // WHEN the same template is deployed again, then one with a changed property and a new DependsOn
    await cfn.deploy('s', v1);
    const afterSame = seen.length;
    await cfn.deploy('s', v2);

    // THEN nothing for the unchanged template, and only A's Update for the changed one
    expect(afterSame).toBe(0);
    expect(seen.map(brief)).toEqual(['A Update']);
    expect(seen[0]).toMatchObject({ physicalId: 's-A-1', properties: { Toggle: 'locked' }, oldProperties: { Toggle: 'open' } });
    expect(cfn.status('s')).toBe(StackStatus.UPDATE_COMPLETE);
  });

  test("a launch template's new version reaches the node group that reads LatestVersionNumber", async () => {
    // GIVEN a node group on the launch template's latest version, as the cluster stack has it
    const lab = (hopLimit: number): StackTemplate => ({
      Resources: {
        Lt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { MetadataOptions: { HttpPutResponseHopLimit: hopLimit } } },
        },
        Ng: {
          Type: 'AWS::EKS::Nodegroup',
          Properties: { LaunchTemplate: { Id: { Ref: 'Lt' }, Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] } } },
        },
      },
    });
    const { seen, handler } = recorder();
    const cfn = new CloudFormation(handler, ENV);
    await cfn.deploy('cluster', lab(2));
    seen.length = 0;

    // WHEN the hop limit changes
    await cfn.deploy('cluster', lab(1));

    // THEN the node group is updated too, from version 1 to 2
    expect(seen.map(brief)).toEqual(['Lt Update', 'Ng Update']);
    expect(seen[1].oldProperties).toMatchObject({ LaunchTemplate: { Version: '1' } });
    expect(seen[1].properties).toMatchObject({ LaunchTemplate: { Version: '2' } });
  });

  test('deletes what the new template no longer has, and what was replaced, after every update, dependents first', async () => {
    // GIVEN
    const v1: StackTemplate = { Resources: { Old: custom({}), OldChild: custom({ P: { Ref: 'Old' } }), Kept: custom({ Id: 'one' }) } };
    const v2: StackTemplate = { Resources: { Kept: custom({ Id: 'two' }), New: custom({}) } };
    const { seen, handler } = recorder();
    const cfn = new CloudFormation(handler, ENV);
    await cfn.deploy('s', v1);
    seen.length = 0;

    // WHEN Kept answers its Update with a new physical id, which replaces it
    await cfn.deploy('s', v2);

    // THEN
    expect(seen.map((r) => `${brief(r)} ${r.physicalId ?? ''}`.trim())).toEqual([
      'Kept Update one',
      'New Create',
      'Kept Delete one',
      'OldChild Delete s-OldChild-2',
      'Old Delete s-Old-1',
    ]);
  });

  test('an Url change replaces an OIDC provider: the new one first, the old one in the cleanup', async () => {
    // GIVEN
    const provider = (url: string): StackTemplate => ({
      Resources: { P: { Type: 'AWS::IAM::OIDCProvider', Properties: { Url: url, ClientIdList: ['sts.amazonaws.com'] } } },
    });
    const { seen, handler } = recorder();
    const cfn = new CloudFormation(handler, ENV);
    await cfn.deploy('s', provider('https://one'));
    seen.length = 0;

    // WHEN
    await cfn.deploy('s', provider('https://two'));

    // THEN
    expect(seen.map((r) => `${brief(r)} ${r.physicalId ?? ''}`.trim())).toEqual(['P Create', 'P Delete s-P-1']);
    expect(cfn.physicalId('s', 'P')).toBe('s-P-2');
  });

  test('fails on a change whose update behaviour it does not know', async () => {
    const bucket = (name: string): StackTemplate => ({ Resources: { B: { Type: 'AWS::S3::Bucket', Properties: { BucketName: name } } } });
    const cfn = new CloudFormation(recorder().handler, ENV);
    await cfn.deploy('s', bucket('a'));
    await expect(cfn.deploy('s', bucket('b'))).rejects.toThrow(/does not know how CloudFormation updates AWS::S3::Bucket BucketName/);
  });

  test('rolls a failed update back: the failed resource and every updated one get their old properties, created ones go', async () => {
    // GIVEN
    const v1: StackTemplate = { Resources: { A: custom({ V: 1 }), C: custom({ V: 1, After: { Ref: 'A' } }) } };
    const v2: StackTemplate = { Resources: { A: custom({ V: 2 }), B: custom({}), C: custom({ V: 2, After: { Ref: 'B' } }) } };
    const { seen, handler } = recorder((r) =>
      r.logicalId === 'C' && r.requestType === 'Update' && !r.rollback ? 'AlreadyExists' : undefined,
    );
    const cfn = new CloudFormation(handler, ENV);
    await cfn.deploy('s', v1);
    seen.length = 0;

    // WHEN
    const failure = await cfn.deploy('s', v2).catch((err: StackFailure) => err);

    // THEN
    expect(failure).toMatchObject({ status: StackStatus.UPDATE_ROLLBACK_COMPLETE, logicalId: 'C', reason: 'AlreadyExists' });
    expect(seen.map(brief)).toEqual([
      'A Update',
      'B Create',
      'C Update',
      'C Update (rollback)',
      'B Delete (rollback)',
      'A Update (rollback)',
    ]);
    expect(seen[3]).toMatchObject({ properties: { V: 1 }, oldProperties: { V: 2 } });
    expect(seen[5]).toMatchObject({ properties: { V: 1 }, oldProperties: { V: 2 } });
  });

  test('a rollback that fails leaves UPDATE_ROLLBACK_FAILED, which refuses the next deploy', async () => {
    // GIVEN a resource that fails its update and its rollback
    const { handler } = recorder((r) => (r.logicalId === 'A' && r.requestType === 'Update' ? 'AlreadyExists' : undefined));
    const cfn = new CloudFormation(handler, ENV);
    await cfn.deploy('s', { Resources: { A: custom({ V: 1 }) } });

    // WHEN
    const failure = await cfn.deploy('s', { Resources: { A: custom({ V: 2 }) } }).catch((err: StackFailure) => err);

    // THEN
    expect(failure).toMatchObject({
      status: StackStatus.UPDATE_ROLLBACK_FAILED,
      rollbackFailures: [{ logicalId: 'A', reason: 'AlreadyExists' }],
    });
    await expect(cfn.deploy('s', { Resources: { A: custom({ V: 1 }) } })).rejects.toThrow(
      /UPDATE_ROLLBACK_FAILED state and can not be updated/,
    );
  });

  test('a failed create deletes what it created, and cdk deploy deletes the rolled-back stack before creating it again', async () => {
    // GIVEN
    let failing = true;
    const { seen, handler } = recorder((r) => (failing && r.logicalId === 'B' && r.requestType === 'Create' ? 'boom' : undefined));
    const cfn = new CloudFormation(handler, ENV);
    const cdk = new CdkCli(cfn);
    const assembly = [{ name: 's', template: { Resources: { A: custom({}), B: custom({ P: { Ref: 'A' } }) } }, dependencies: [] }];

    // WHEN
    const first = await cdk.deploy(assembly);
    const firstRequests = seen.map(brief);
    failing = false;
    seen.length = 0;
    const second = await cdk.deploy(assembly);

    // THEN
    expect(first.failure).toMatchObject({ status: StackStatus.ROLLBACK_COMPLETE, logicalId: 'B' });
    expect(firstRequests).toEqual(['A Create', 'B Create', 'B Delete (rollback)', 'A Delete (rollback)']);
    expect(second.failure).toBeUndefined();
    expect(seen.map(brief)).toEqual(['A Create', 'B Create']);
  });

  test('deletes a stack dependents first, and refuses while another stack imports its export', async () => {
    // GIVEN
    const { seen, handler } = recorder();
    const cfn = new CloudFormation(handler, ENV);
    const exporter: StackTemplate = {
      Resources: { A: custom({}), B: custom({ P: { Ref: 'A' } }) },
      Outputs: { Out: { Value: { Ref: 'A' }, Export: { Name: 'the-export' } } },
    };
    await cfn.deploy('exporter', exporter);
    await cfn.deploy('importer', { Resources: { C: custom({ P: { 'Fn::ImportValue': 'the-export' } }) } });
    seen.length = 0;

    // WHEN / THEN
    await expect(cfn.destroy('exporter')).rejects.toThrow('Export the-export cannot be deleted as it is in use by importer');
    await cfn.destroy('importer');
    await cfn.destroy('exporter');
    expect(seen.map(brief)).toEqual(['C Delete', 'B Delete', 'A Delete']);
  });

  test('fails a stack that imports an export no stack has', async () => {
    const cfn = new CloudFormation(recorder().handler, ENV);
    await expect(cfn.deploy('s', { Resources: { C: custom({ P: { 'Fn::ImportValue': 'missing' } }) } })).rejects.toThrow(
      'No export named missing found',
    );
  });
});

describe('the replayed CDK CLI', () => {
  /** A handler whose requests wait until released, to see how many stacks run at once and in which order. */
  function gate() {
    const waiting: (() => void)[] = [];
    const events: string[] = [];
    const handler = (request: ResourceRequest) =>
      new Promise<{ physicalId?: string }>((resolve, reject) => {
        events.push(`start ${request.stackName}`);
        waiting.push(() => {
          events.push(`done ${request.stackName}`);
          if (request.properties.Fail) reject(new Error('boom'));
          else resolve({});
        });
      });
    return { waiting, events, handler };
  }
  const stack = (name: string, dependencies: string[] = [], properties: Record<string, unknown> = {}) => ({
    name,
    template: { Resources: { R: custom(properties) } },
    dependencies,
  });

  /** Releases every waiting request, one event-loop turn at a time, until the run ends. */
  async function drain(waiting: (() => void)[], run: Promise<unknown>): Promise<void> {
    let done = false;
    void run.finally(() => (done = true));
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      waiting.splice(0).forEach((release) => release());
    }
  }

  test('--concurrency 4 deploys up to four stacks at once, each after the stacks it depends on', async () => {
    // GIVEN the lab's shape: one stack first, six after it, one of them after another
    const { waiting, events, handler } = gate();
    const cdk = new CdkCli(new CloudFormation(handler, ENV));
    const assembly = [stack('cluster'), ...['a', 'b', 'c', 'd', 'e'].map((n) => stack(n, ['cluster'])), stack('f', ['cluster', 'c'])];

    // WHEN
    const run = cdk.deploy(assembly, { concurrency: 4 });
    await drain(waiting, run);
    const result = await run;

    // THEN
    expect(result.peakConcurrency).toBe(4);
    expect(result.completed).toHaveLength(7);
    for (const { name, dependencies } of assembly) {
      for (const dependency of dependencies) expect(events.indexOf(`start ${name}`)).toBeGreaterThan(events.indexOf(`done ${dependency}`));
    }
  });

  test('without --concurrency, one stack at a time; a failed stack stops the run', async () => {
    const { waiting, handler } = gate();
    const cdk = new CdkCli(new CloudFormation(handler, ENV));
    const assembly = [stack('cluster'), stack('a', ['cluster'], { Fail: true }), stack('b', ['cluster'])];

    const run = cdk.deploy(assembly);
    await drain(waiting, run);
    const result = await run;

    expect(result.peakConcurrency).toBe(1);
    expect(result.completed).toEqual(['cluster']);
    expect(result.failure).toMatchObject({ stackName: 'a', status: StackStatus.ROLLBACK_COMPLETE });
  });

  test('cdk deploy STACK deploys the stacks it depends on first', async () => {
    const { seen, handler } = recorder();
    const cdk = new CdkCli(new CloudFormation(handler, ENV));
    const result = await cdk.deploy([stack('cluster'), stack('irsa', ['cluster']), stack('other', ['cluster'])], { stacks: ['irsa'] });
    expect(result.completed).toEqual(['cluster', 'irsa']);
    expect(seen.map((r) => r.stackName)).toEqual(['cluster', 'irsa']);
  });
});
