import { Drill } from '../../lib/lab-config';
import { KubeObject } from '../cluster-handlers/fake-cluster';
import { deployDrill, undoDrill } from './drill-steps';
import { LabReplay } from './lab-replay';

/** A cluster's pods and service accounts, each as `kubectl get <kind> -A -o json` prints it. */
export interface ClusterSnapshot {
  readonly pods: KubeObject;
  readonly serviceaccounts: KubeObject;
}

export interface LabClusterSnapshots {
  /** After the first `npx cdk deploy --all`, with cdk.json's context. */
  readonly healthy: ClusterSnapshot;
  /** After each drill deployed over the healthy lab as `lab drill` says (each undone before the next). */
  readonly drills: Partial<Record<Drill, ClusterSnapshot>>;
}

/**
 * The cluster a user meets on the healthy lab and under each drill, replayed offline: the lab's
 * templates deployed by the replayed CloudFormation, its pods created by its real handler, the
 * cluster faked (test/cluster-handlers/fake-cluster.ts). A run-once pod's phase says it finished,
 * not what AWS answered it: the replay does not model AWS. Throws if any step fails.
 */
export async function labClusterSnapshots(drills: readonly Drill[] = Object.values(Drill)): Promise<LabClusterSnapshots> {
  const lab = await LabReplay.start();
  try {
    const first = await lab.deploy();
    if (first.failure) throw new Error(`${first.command} failed: ${first.failure}`);
    const healthy = lab.snapshot();
    const byDrill: Partial<Record<Drill, ClusterSnapshot>> = {};
    for (const drill of drills) {
      const drilled = await deployDrill(lab, drill);
      if (drilled.failure) throw new Error(`${drilled.command} failed: ${drilled.failure}`);
      byDrill[drill] = lab.snapshot();
      const undone = await undoDrill(lab, drill);
      if (undone.failure) throw new Error(`${undone.command} failed: ${undone.failure}`);
    }
    return { healthy, drills: byDrill };
  } finally {
    await lab.stop();
  }
}
