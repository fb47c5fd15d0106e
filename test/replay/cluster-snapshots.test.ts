import { Drill } from '../../lib/lab-config';
import { labClusterSnapshots } from './cluster-snapshots';
import { HEALTHY_PODS } from './expected-lab';

// Replays the first deploy and one drill, with the lab's handlers as separate processes.
jest.setTimeout(900_000);

test('the snapshots are kubectl get -A -o json documents of the healthy lab and of each drill asked for', async () => {
  // WHEN
  const snapshots = await labClusterSnapshots([Drill.IRSA_NO_OIDC_PROVIDER]);

  // THEN each is a List of v1 objects of its kind, as kubectl prints it
  for (const snapshot of [snapshots.healthy, snapshots.drills[Drill.IRSA_NO_OIDC_PROVIDER]!]) {
    expect(snapshot.pods).toMatchObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } });
    expect(new Set(snapshot.pods.items.map((p: any) => `${p.apiVersion} ${p.kind}`))).toEqual(new Set(['v1 Pod']));
    expect(new Set(snapshot.serviceaccounts.items.map((s: any) => `${s.apiVersion} ${s.kind}`))).toEqual(new Set(['v1 ServiceAccount']));
    const labPods = snapshot.pods.items.filter((p: any) => p.metadata.namespace !== 'kube-system');
    expect(labPods.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual(Object.keys(HEALTHY_PODS).sort());
  }
  expect(Object.keys(snapshots.drills)).toEqual([Drill.IRSA_NO_OIDC_PROVIDER]);
  // The IRSA service account carries its role annotation, and the IRSA pods what the webhook injected from it.
  const irsaAccount = snapshots.healthy.serviceaccounts.items.find(
    (s: any) => s.metadata.namespace === 'irsa' && s.metadata.name === 'eks-iam-test',
  );
  const roleArn = irsaAccount.metadata.annotations['eks.amazonaws.com/role-arn'];
  expect(roleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
  const test3 = snapshots.healthy.pods.items.find((p: any) => p.metadata.name === 'eks-iam-test3');
  expect(test3.spec.containers[0].env).toContainEqual({ name: 'AWS_ROLE_ARN', value: roleArn });
});
