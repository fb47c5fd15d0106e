import { Injected, StepOutcome } from './lab-replay';

/**
 * The pods a user meets on the healthy lab, written out from the README's scenario sections, not
 * taken from the code that creates them: each namespace's pods, whether each one runs once (then
 * finishes) or sleeps, and what the pod-identity webhook injects there.
 * - node-role, bystander, secret-injected: nothing (no annotation, no association);
 * - irsa: the IRSA role (annotated service account);
 * - pod-identity (old-sdk included), precedence (the association wins over the annotation),
 *   team-a, team-b, role-chaining, session-policy: Pod Identity.
 */
export const HEALTHY_PODS: Readonly<Record<string, { runsOnce: boolean; injected: Injected }>> = {
  'node-role/eks-iam-test1': { runsOnce: true, injected: Injected.NOTHING },
  'node-role/eks-iam-test2': { runsOnce: false, injected: Injected.NOTHING },
  'bystander/eks-iam-bystander': { runsOnce: true, injected: Injected.NOTHING },
  'secret-injected/eks-iam-test5': { runsOnce: true, injected: Injected.NOTHING },
  'secret-injected/eks-iam-test6': { runsOnce: false, injected: Injected.NOTHING },
  'irsa/eks-iam-test3': { runsOnce: true, injected: Injected.IRSA },
  'irsa/eks-iam-test4': { runsOnce: false, injected: Injected.IRSA },
  'pod-identity/eks-iam-test7': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'pod-identity/eks-iam-test8': { runsOnce: false, injected: Injected.POD_IDENTITY },
  'pod-identity/eks-iam-test9': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'precedence/eks-iam-test10': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'precedence/eks-iam-test11': { runsOnce: false, injected: Injected.POD_IDENTITY },
  'team-a/eks-iam-team-a-own': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'team-a/eks-iam-team-a-other': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'team-b/eks-iam-team-b-own': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'team-b/eks-iam-team-b-other': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'role-chaining/eks-iam-chain-ls': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'role-chaining/eks-iam-chain-caller': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'session-policy/eks-iam-session-ls': { runsOnce: true, injected: Injected.POD_IDENTITY },
  'session-policy/eks-iam-session-read': { runsOnce: true, injected: Injected.POD_IDENTITY },
};

/** The lab's pods, by namespace. */
export function podsIn(...namespaces: string[]): string[] {
  return Object.keys(HEALTHY_PODS).filter((key) => namespaces.includes(key.split('/')[0]));
}

/** The state a user should meet, and the pods the step must have created again. */
export interface Expectation {
  /** Pods whose injection differs from the healthy lab's. */
  readonly injected?: Readonly<Record<string, Injected>>;
  /** Pods the step must have created (again). */
  readonly created: readonly string[];
  /** Pods that must not exist. @default - none */
  readonly absent?: readonly string[];
}

/** What a user meets, in a form jest shows whole when it differs. */
export function userView(outcome: StepOutcome): unknown {
  return {
    failure: outcome.failure,
    pods: Object.fromEntries(
      Object.entries(outcome.pods).map(([key, pod]) => [
        key,
        { phase: pod.phase, injected: pod.injected, ...(pod.waiting && { waiting: pod.waiting }) },
      ]),
    ),
    created: [...outcome.created].sort(),
  };
}

/** The same view, as it should be: no failure, every pod there, finished or running, injected as expected. */
export function expectedView(expectation: Expectation): unknown {
  const absent = new Set(expectation.absent ?? []);
  return {
    failure: undefined,
    pods: Object.fromEntries(
      Object.entries(HEALTHY_PODS)
        .filter(([key]) => !absent.has(key))
        .map(([key, pod]) => [
          key,
          { phase: pod.runsOnce ? 'Succeeded' : 'Running', injected: expectation.injected?.[key] ?? pod.injected },
        ]),
    ),
    created: [...expectation.created].sort(),
  };
}

/** Every lab pod: after a toggle change, each one is created again. */
export const ALL_PODS = Object.keys(HEALTHY_PODS);
