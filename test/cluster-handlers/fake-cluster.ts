/**
 * The state of an EKS cluster as the lab's handlers and flows meet it: namespaces, service accounts,
 * Pod Identity associations, one node, and pods that the API server, the admission plugins, the
 * pod-identity webhook, the scheduler, the kubelet and the controllers act on.
 *
 * Time is counted, never measured: each API request is one tick, and each pod admission is one
 * admission. Every delay below is a number of ticks or admissions, so no outcome depends on how
 * fast the machine is. `advance()` lets time pass without a request, as while CloudFormation works
 * on other resources (`OperationClock` in `test/replay/cloudformation.ts`).
 *
 * Each behaviour names its source. What is not modelled is refused by the API server front
 * (`fake-api-server.ts`), never answered with a guess.
 */

/** A Kubernetes object, as JSON. */
export type KubeObject = Record<string, any>;

/** The phases a pod ends in. */
export type FinishedPhase = 'Succeeded' | 'Failed';

/** An answer of the API server: an HTTP status and a body. */
export interface ApiAnswer {
  readonly code: number;
  readonly body: KubeObject;
}

/** An EKS Pod Identity association, as `CreatePodIdentityAssociation` takes it. */
export interface PodIdentityAssociation {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleArn: string;
}

export interface FakeClusterOptions {
  /**
   * The node's pod capacity, as the kubelet's maxPods sets it.
   * @default 11 - a t4g.small without prefix delegation: 3 ENIs × (4 − 1) IPv4 addresses + 2 (`eni-max-pods.txt`)
   */
  readonly maxPods?: number;
  /**
   * The DaemonSet pods every node runs (kube-system), which take slots too, as `namespace/name` prefixes.
   * @default - aws-node, kube-proxy and eks-pod-identity-agent, the DaemonSets of the lab's add-ons
   */
  readonly daemonSets?: string[];
  /**
   * Ticks after a namespace is created before its `default` service account exists.
   * @default 2
   */
  readonly defaultServiceAccountTicks?: number;
  /**
   * Admissions after an association or a service-account annotation changes that the webhook
   * still answers from what it knew before.
   * @default 2
   */
  readonly webhookDelayAdmissions?: number;
  /**
   * Ticks after such a change by which the webhook has learnt of it all the same, pods admitted or not.
   * @default 10
   */
  readonly webhookDelayTicks?: number;
  /**
   * Ticks a deleted running pod stays terminating before it is gone.
   * @default 2
   */
  readonly terminatingTicks?: number;
  /**
   * Ticks from binding until a pod's containers run, and from then until they end.
   * @default 1 and 2
   */
  readonly startTicks?: number;
  readonly runTicks?: number;
  /** @default 'us-east-2' */
  readonly region?: string;
}

/** The reason and message the scheduler gives a pod that fits no node, as `kubectl describe` shows them. */
export const TOO_MANY_PODS =
  '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';

/** What the pod-identity webhook injects on EKS. */
export const POD_IDENTITY = {
  fullUri: 'http://169.254.170.23/v1/credentials',
  volume: 'eks-pod-identity-token',
  mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
  audience: 'pods.eks.amazonaws.com',
};
export const IRSA = {
  roleAnnotation: 'eks.amazonaws.com/role-arn',
  volume: 'aws-iam-token',
  mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  audience: 'sts.amazonaws.com',
};

interface Namespace {
  readonly object: KubeObject;
  readonly createdTick: number;
}

interface Pod {
  object: KubeObject;
  /** The tick it was bound to the node, its containers started, and deletion was asked for. */
  boundTick?: number;
  startedTick?: number;
  deletedTick?: number;
  /** The kubelet could not start it (`start` said no), or has asked `finish` how it ended. */
  stuck?: boolean;
  ended?: boolean;
}

/** A moment of the fake cluster: how many admissions and ticks had passed. */
interface Moment {
  readonly admissions: number;
  readonly ticks: number;
}

/**
 * A value that changes over time, read by someone who learns of each change late: after `delay`
 * more admissions, or after `delay.ticks` more ticks, whichever comes first. An informer's cache
 * catches up as time passes, whether or not pods are admitted meanwhile.
 */
class Delayed<T> {
  private readonly history: { at: Moment; value: T | undefined }[] = [];
  set(at: Moment, value: T | undefined): void {
    this.history.push({ at, value });
  }
  /** The value as of `now`, for a reader that far behind. */
  seenAt(now: Moment, delay: Moment): T | undefined {
    let seen: T | undefined;
    for (const change of this.history) {
      if (change.at.admissions + delay.admissions < now.admissions || change.at.ticks + delay.ticks < now.ticks) seen = change.value;
    }
    return seen;
  }
}

/**
 * The DaemonSets whose pods run on the node's own network: aws-node (aws/amazon-vpc-cni-k8s
 * `config/master/aws-k8s-cni.yaml`), kube-proxy (kubernetes `cmd/kubeadm/app/phases/addons/proxy/manifests.go`)
 * and the Pod Identity agent (aws/eks-pod-identity-agent `charts/eks-pod-identity-agent/templates/daemonset.yaml`)
 * all set `hostNetwork: true`. CoreDNS does not (coredns/deployment `kubernetes/coredns.yaml.sed`).
 */
const HOST_NETWORK_DAEMONSETS: ReadonlySet<string> = new Set([
  'kube-system/aws-node',
  'kube-system/kube-proxy',
  'kube-system/eks-pod-identity-agent',
]);

const EPOCH = Date.parse('2026-01-01T00:00:00Z');
// The random suffix of generateName is 5 characters of this alphabet
// (kubernetes staging/src/k8s.io/apiserver/pkg/storage/names/generate.go, apimachinery pkg/util/rand/rand.go).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class FakeCluster {
  /** Requests and `advance()` steps so far. */
  ticks = 0;
  /** Pod admissions so far, dry runs and refused creates included. */
  admissions = 0;
  /** The node the pods run on; `replaceNode()` gives a new one. */
  nodeName = 'ip-10-0-1-1.us-east-2.compute.internal';
  maxPods: number;
  /**
   * The kubelet: the phase a pod's containers end in once they have run, or undefined for one that
   * keeps running (it may set `status` itself, e.g. an image pull back-off).
   */
  finish: (pod: KubeObject) => FinishedPhase | undefined = () => 'Succeeded';
  /**
   * The kubelet, when a bound pod's containers are due to start: false leaves the pod Pending for
   * good, as the hook set its status (e.g. an image pull back-off).
   */
  start: (pod: KubeObject) => boolean = () => true;
  /** Every pod that reached the webhook, in order, as it left it, and whether it was a dry run. */
  readonly admitted: { pod: KubeObject; dryRun: boolean }[] = [];
  /** Every pod stored by a real create, in order, as stored. */
  readonly created: KubeObject[] = [];

  private readonly namespaces = new Map<string, Namespace>();
  private readonly serviceAccounts = new Map<string, KubeObject>();
  private readonly pods = new Map<string, Pod>();
  private readonly webhookView = new Map<string, { sa: Delayed<KubeObject>; association: Delayed<PodIdentityAssociation> }>();
  private readonly associations = new Map<string, PodIdentityAssociation>();
  private readonly associationsCreatedAt = new Map<string, string>();
  private readonly options: Required<Omit<FakeClusterOptions, 'maxPods'>>;
  private uids = 0;
  private nodes = 1;
  private nodeCreatedTick = 0;
  private associationIds = 0;
  private generated = 0;

  constructor(options: FakeClusterOptions = {}) {
    this.maxPods = options.maxPods ?? 11;
    this.options = {
      daemonSets: options.daemonSets ?? ['kube-system/aws-node', 'kube-system/kube-proxy', 'kube-system/eks-pod-identity-agent'],
      defaultServiceAccountTicks: options.defaultServiceAccountTicks ?? 2,
      webhookDelayAdmissions: options.webhookDelayAdmissions ?? 2,
      webhookDelayTicks: options.webhookDelayTicks ?? 10,
      terminatingTicks: options.terminatingTicks ?? 2,
      startTicks: options.startTicks ?? 1,
      runTicks: options.runTicks ?? 2,
      region: options.region ?? 'us-east-2',
    };
    this.createNamespace('kube-system');
    this.startDaemonSets();
  }

  // --- what the kubectl provider and CloudFormation set ---

  /** Creates a namespace; its `default` service account follows a little later. */
  createNamespace(name: string): void {
    if (this.namespaces.has(name)) return;
    this.namespaces.set(name, { object: this.meta('Namespace', { name }, { status: { phase: 'Active' } }), createdTick: this.ticks });
  }

  /**
   * Deletes a namespace and everything in it. Its pods go as any deleted pod does; until then the
   * namespace is Terminating and refuses new content (NamespaceLifecycle admission,
   * staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go).
   */
  deleteNamespace(name: string): void {
    const namespace = this.namespaces.get(name);
    if (!namespace) return;
    namespace.object.status.phase = 'Terminating';
    namespace.object.metadata.deletionTimestamp = this.timestamp();
    for (const key of [...this.serviceAccounts.keys()]) if (key.startsWith(`${name}/`)) this.setServiceAccount(key, undefined);
    for (const [key, pod] of this.pods) if (key.startsWith(`${name}/`)) this.deletePod(pod, 1);
    this.collectNamespaces();
  }

  /** Creates or replaces a service account, as `kubectl apply` of its manifest does. */
  applyServiceAccount(namespace: string, name: string, annotations: Record<string, string> = {}): void {
    if (!this.namespaces.has(namespace)) throw new Error(`namespaces "${namespace}" not found: create it before service account ${name}`);
    const existing = this.serviceAccounts.get(`${namespace}/${name}`);
    const object = existing
      ? { ...existing, metadata: { ...existing.metadata, annotations: { ...annotations } } }
      : this.meta('ServiceAccount', { name, namespace, annotations: { ...annotations } });
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
    this.setServiceAccount(`${namespace}/${name}`, object);
  }

  deleteServiceAccount(namespace: string, name: string): void {
    this.setServiceAccount(`${namespace}/${name}`, undefined);
  }

  /**
   * Creates an EKS Pod Identity association and returns its id. It "may take several seconds to
   * be effective" (EKS API reference, CreatePodIdentityAssociation): the webhook sees it only
   * after `webhookDelayAdmissions` admissions or `webhookDelayTicks` ticks.
   */
  createPodIdentityAssociation(association: PodIdentityAssociation): string {
    // Every association gets an id of its own, never one a deleted association had.
    this.associationIds += 1;
    const id = `a-${this.associationIds.toString().padStart(17, '0')}`;
    this.associations.set(id, { ...association });
    this.associationsCreatedAt.set(id, this.timestamp());
    this.webhookFor(association.namespace, association.serviceAccount).association.set(this.now(), { ...association });
    return id;
  }

  deletePodIdentityAssociation(id: string): void {
    const association = this.associations.get(id);
    if (!association) throw new Error(`No Pod Identity association ${id}`);
    this.associations.delete(id);
    this.associationsCreatedAt.delete(id);
    this.webhookFor(association.namespace, association.serviceAccount).association.set(this.now(), undefined);
  }

  /**
   * A new launch template version: EKS launches a new node, drains the old one and terminates it
   * (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html). The pod
   * garbage collector deletes the pods bound to a node that no longer exists (`gcOrphaned`,
   * pkg/controller/podgc/gc_controller.go), and a bare pod has no controller to create it again
   * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-lifetime). DaemonSet
   * pods come back on the new node; pods not yet bound are scheduled there.
   */
  replaceNode(options: { maxPods?: number } = {}): void {
    const old = this.nodeName;
    this.nodes += 1;
    this.nodeName = `ip-10-0-1-${this.nodes}.us-east-2.compute.internal`;
    this.nodeCreatedTick = this.ticks;
    if (options.maxPods !== undefined) this.maxPods = options.maxPods;
    for (const [key, pod] of this.pods) if (pod.object.spec.nodeName === old) this.pods.delete(key);
    this.startDaemonSets();
  }

  private now(): Moment {
    return { admissions: this.admissions, ticks: this.ticks };
  }

  /** Lets `ticks` of time pass, as if the cluster's controllers ran with no request in between. */
  advance(ticks = 1): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  /** Lets time pass until nothing is pending: pods bound, started and ended, deletions done, default service accounts made. */
  settle(limit = 1_000): void {
    for (let i = 0; i < limit && this.pending(); i++) this.tick();
    if (this.pending()) throw new Error(`The fake cluster did not settle within ${limit} ticks`);
  }

  // --- what a reader sees ---

  /**
   * What `kubectl get <kind> -A -o json` prints: a `List` of every object of the kind, each with
   * its `apiVersion` and `kind`, sorted by namespace and name.
   */
  kubectlGet(kind: 'pods' | 'serviceaccounts' | 'namespaces' | 'nodes'): KubeObject {
    const items = kind === 'nodes' ? [this.nodeObject()] : this.list(kind).map((item) => structuredClone(item));
    return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  }

  /** The pod `namespace/name`, as a GET returns it, or undefined. */
  pod(namespace: string, name: string): KubeObject | undefined {
    const pod = this.pods.get(`${namespace}/${name}`);
    return pod && structuredClone(pod.object);
  }

  /** The node's pod slots in use: every pod bound to it that has not ended, terminating ones included. */
  slotsInUse(): number {
    return this.podsOnNode().length;
  }

  /** The Pod Identity associations that exist, by id. */
  podIdentityAssociations(): Record<string, PodIdentityAssociation> {
    return Object.fromEntries([...this.associations].map(([id, a]) => [id, { ...a }]));
  }

  /** When an existing association was created, as the cluster's clock tells it; undefined for none. */
  podIdentityAssociationCreatedAt(id: string): string | undefined {
    return this.associationsCreatedAt.get(id);
  }

  /**
   * The node, as `kubectl get nodes -o json` lists it. On EC2 the cloud provider sets
   * `spec.providerID` to `aws:///<zone>/<instance id>` (kubernetes/cloud-provider-aws,
   * pkg/providers/v1/aws.go); the zone and the instance id, `i-` and 17 hex digits, are the fake's
   * own, as its node name is.
   */
  private nodeObject(): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        uid: `00000000-0000-4000-9000-${this.nodes.toString().padStart(12, '0')}`,
        creationTimestamp: this.timestamp(this.nodeCreatedTick),
      },
      spec: { providerID: `aws:///${this.options.region}a/i-${this.nodes.toString(16).padStart(17, '0')}` },
    };
  }

  // --- the API server ---

  /** One API request has arrived: the controllers, the scheduler and the kubelet move one step first. */
  tick(): void {
    this.ticks += 1;
    this.createDefaultServiceAccounts();
    this.removeTerminatedPods();
    this.collectNamespaces();
    this.schedule();
    this.runKubelet();
  }

  /** GET of one object, or undefined if there is none. */
  get(kind: 'pods' | 'serviceaccounts' | 'namespaces', namespace: string | undefined, name: string): KubeObject | undefined {
    const key = kind === 'namespaces' ? name : `${namespace}/${name}`;
    const object =
      kind === 'pods'
        ? this.pods.get(key)?.object
        : kind === 'serviceaccounts'
          ? this.serviceAccounts.get(key)
          : this.namespaces.get(key)?.object;
    return object && structuredClone(object);
  }

  /** Every object of a kind, in one namespace or all. */
  list(kind: 'pods' | 'serviceaccounts' | 'namespaces', namespace?: string): KubeObject[] {
    const entries: [string, KubeObject][] =
      kind === 'pods'
        ? [...this.pods].map(([key, pod]) => [key, pod.object])
        : kind === 'serviceaccounts'
          ? [...this.serviceAccounts]
          : [...this.namespaces].map(([key, ns]) => [key, ns.object]);
    return entries
      .filter(([key]) => namespace === undefined || key.startsWith(`${namespace}/`))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, object]) => structuredClone(object));
  }

  /**
   * POST of a pod, real or a server-side dry run. The order is the API server's: the built-in
   * admission plugins, then the mutating webhooks, then the name, then storage.
   */
  createPod(namespace: string, body: KubeObject, dryRun: boolean): ApiAnswer {
    const pod = structuredClone(body);
    if (!Array.isArray(pod.spec?.containers))
      return failure(422, 'Invalid', 'Pod is invalid: spec.containers: Required value', { kind: 'Pod' });
    pod.metadata = { ...pod.metadata, namespace };
    const shownName = pod.metadata.name || pod.metadata.generateName || 'Unknown';

    // NamespaceLifecycle: no object in a namespace that does not exist or is being deleted
    // (staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go).
    const ns = this.namespaces.get(namespace);
    if (!ns) return failure(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    if (ns.object.status.phase === 'Terminating') {
      return failure(
        403,
        'Forbidden',
        `pods "${shownName}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name: shownName,
          kind: 'pods',
        },
      );
    }
    // ServiceAccount admission: a pod runs as `default` unless it names another, which must exist
    // (plugin/pkg/admission/serviceaccount/admission.go; the name shown is the name or generateName, admission/errors.go).
    pod.spec.serviceAccountName ||= 'default';
    const saName = pod.spec.serviceAccountName;
    if (!this.serviceAccounts.has(`${namespace}/${saName}`)) {
      return failure(
        403,
        'Forbidden',
        `pods "${shownName}" is forbidden: error looking up service account ${namespace}/${saName}: serviceaccount "${saName}" not found`,
        { name: shownName, kind: 'pods' },
      );
    }
    // The pod-identity webhook: CREATE of pods only, and `sideEffects: None`, so dry runs reach it
    // too (deploy/mutatingwebhook.yaml in aws/amazon-eks-pod-identity-webhook).
    this.admissions += 1;
    this.mutate(pod);
    this.admitted.push({ pod: structuredClone(pod), dryRun });

    // A name is generated after admission: the webhook sees generateName only (its handler.go logs both).
    if (!pod.metadata.name) {
      if (!pod.metadata.generateName) {
        return failure(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required', {
          kind: 'Pod',
        });
      }
      pod.metadata.name = pod.metadata.generateName + this.randomSuffix();
    }
    // A dry-run create looks the key up first and answers AlreadyExists as a real one would
    // (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/dryrun.go, DryRunnableStorage.Create);
    // a terminating pod still holds its key until the kubelet confirms it is gone.
    const key = `${namespace}/${pod.metadata.name}`;
    if (this.pods.has(key)) {
      return failure(409, 'AlreadyExists', `pods "${pod.metadata.name}" already exists`, { name: pod.metadata.name, kind: 'pods' });
    }
    // A new pod is Pending until the scheduler binds it (pkg/registry/core/pod/strategy.go, PrepareForCreate).
    const stored = this.meta('Pod', pod.metadata, { spec: pod.spec, status: { phase: 'Pending', qosClass: 'BestEffort' } });
    if (dryRun) return { code: 201, body: stored };
    this.pods.set(key, { object: stored });
    this.created.push(structuredClone(stored));
    return { code: 201, body: structuredClone(stored) };
  }

  /** DELETE of a pod, with the grace period kubectl sent. */
  deletePodRequest(namespace: string, name: string, gracePeriodSeconds: number | undefined): ApiAnswer {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) return failure(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
    this.deletePod(pod, gracePeriodSeconds ?? pod.object.spec.terminationGracePeriodSeconds ?? 30);
    return { code: 200, body: structuredClone(pod.object) };
  }

  // --- behaviours ---

  /**
   * A pod not yet bound to a node, or one that has already ended, is deleted at once; any other
   * goes through terminating: `deletionTimestamp` set, still readable, until the kubelet has
   * stopped it (pkg/registry/core/pod/strategy.go, CheckGracefulDelete).
   */
  private deletePod(pod: Pod, gracePeriodSeconds: number): void {
    const key = `${pod.object.metadata.namespace}/${pod.object.metadata.name}`;
    if (!pod.object.spec.nodeName || isFinished(pod.object) || gracePeriodSeconds <= 0) {
      this.pods.delete(key);
      return;
    }
    if (pod.deletedTick !== undefined) return;
    pod.deletedTick = this.ticks;
    pod.object.metadata.deletionTimestamp = this.timestamp();
    pod.object.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
  }

  private removeTerminatedPods(): void {
    for (const [key, pod] of this.pods) {
      if (pod.deletedTick !== undefined && this.ticks - pod.deletedTick > this.options.terminatingTicks) this.pods.delete(key);
    }
  }

  /**
   * The service account controller creates `default` in every namespace, after the namespace
   * exists (DefaultServiceAccountsControllerOptions, pkg/controller/serviceaccount/serviceaccounts_controller.go).
   */
  private createDefaultServiceAccounts(): void {
    for (const [name, ns] of this.namespaces) {
      const key = `${name}/default`;
      if (
        ns.object.status.phase === 'Active' &&
        !this.serviceAccounts.has(key) &&
        this.ticks - ns.createdTick >= this.options.defaultServiceAccountTicks
      ) {
        this.setServiceAccount(key, this.meta('ServiceAccount', { name: 'default', namespace: name }));
      }
    }
  }

  /** A Terminating namespace goes once nothing is left in it (pkg/controller/namespace/deletion). */
  private collectNamespaces(): void {
    for (const [name, ns] of this.namespaces) {
      if (ns.object.status.phase !== 'Terminating') continue;
      if ([...this.pods.keys()].some((key) => key.startsWith(`${name}/`))) continue;
      this.namespaces.delete(name);
    }
  }

  /**
   * The scheduler binds pending pods in the order they came while the node has a free slot. It
   * counts every pod on the node that has not ended, terminating ones included: its informer
   * leaves out Succeeded and Failed pods (`status.phase!=Succeeded,status.phase!=Failed`,
   * pkg/scheduler/scheduler.go) and NodeResourcesFit refuses the next one with "Too many pods"
   * (pkg/scheduler/framework/plugins/noderesources/fit.go). The pod stays Pending with that reason
   * until a slot frees. The kubelet's own admission counts the same way: terminal pods are
   * inactive (filterOutInactivePods, pkg/kubelet/kubelet_pods.go).
   */
  private schedule(): void {
    for (const pod of this.pods.values()) {
      if (pod.object.spec.nodeName || pod.deletedTick !== undefined) continue;
      if (this.slotsInUse() >= this.maxPods) {
        if (pod.object.status.conditions?.[0]?.reason === 'Unschedulable') continue;
        pod.object.status.conditions = [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: TOO_MANY_PODS, lastTransitionTime: this.timestamp() },
        ];
        continue;
      }
      pod.object.spec.nodeName = this.nodeName;
      pod.boundTick = this.ticks;
      pod.object.status.conditions = [{ type: 'PodScheduled', status: 'True', lastTransitionTime: this.timestamp() }];
    }
  }

  /**
   * The kubelet starts a bound pod, and once it has run asks `finish` how it ended. A finished
   * pod stays, Succeeded or Failed, until someone deletes it: nothing removes it sooner than the
   * pod garbage collector's threshold of 12,500 terminated pods (`--terminated-pod-gc-threshold`,
   * pkg/controller/podgc/gc_controller.go; https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-garbage-collection).
   */
  private runKubelet(): void {
    for (const pod of this.pods.values()) {
      const { object } = pod;
      if (pod.boundTick === undefined || pod.stuck || pod.ended || pod.deletedTick !== undefined) continue;
      if (pod.startedTick === undefined) {
        if (this.ticks - pod.boundTick < this.options.startTicks) continue;
        if (!this.start(object)) {
          pod.stuck = true;
          continue;
        }
        pod.startedTick = this.ticks;
        object.status = { ...object.status, phase: 'Running', startTime: this.timestamp() };
      }
      if (object.metadata.namespace === 'kube-system' || this.ticks - pod.startedTick < this.options.runTicks) continue;
      pod.ended = true;
      const phase = this.finish(object);
      if (phase) object.status = { ...object.status, phase };
    }
  }

  /** Whether a controller, the scheduler or the kubelet still has something to do. */
  private pending(): boolean {
    for (const [name, ns] of this.namespaces) {
      if (ns.object.status.phase === 'Terminating' || !this.serviceAccounts.has(`${name}/default`)) return true;
    }
    const free = this.slotsInUse() < this.maxPods;
    return [...this.pods.values()].some(
      (pod) =>
        pod.deletedTick !== undefined ||
        (pod.boundTick === undefined && free) ||
        (pod.boundTick !== undefined && !pod.stuck && !pod.ended && pod.object.metadata.namespace !== 'kube-system'),
    );
  }

  /**
   * The pod-identity webhook, as the cluster's state reaches it `webhookDelayAdmissions` admissions
   * or `webhookDelayTicks` ticks late. Container credentials (Pod Identity) take precedence over an IRSA role annotation on the
   * same service account (`buildPodPatchConfig`, pkg/handler/handler.go). What it injects follows
   * `addEnvToContainer` and `getPodSpecPatch` there; the EKS values are those of the example pod in
   * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html (Pod Identity) and of
   * the blog post the lab follows, "Diving into IAM Roles for Service Accounts" (IRSA). The
   * `kube-api-access-*` volume of the ServiceAccount admission plugin is not modelled.
   */
  private mutate(pod: KubeObject): void {
    const view = this.webhookFor(pod.metadata.namespace, pod.spec.serviceAccountName);
    const delay = { admissions: this.options.webhookDelayAdmissions, ticks: this.options.webhookDelayTicks };
    const association = view.association.seenAt(this.now(), delay);
    const roleArn = view.sa.seenAt(this.now(), delay)?.metadata.annotations?.[IRSA.roleAnnotation];
    const region = [
      { name: 'AWS_DEFAULT_REGION', value: this.options.region },
      { name: 'AWS_REGION', value: this.options.region },
    ];
    if (association) {
      const tokenFile = `${POD_IDENTITY.mountPath}/${POD_IDENTITY.volume}`;
      this.inject(pod, POD_IDENTITY.volume, POD_IDENTITY.mountPath, POD_IDENTITY.audience, [
        ...region,
        { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: POD_IDENTITY.fullUri },
        { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: tokenFile },
      ]);
      // The token's lifetime is jittered between 79,200 and 86,400 s (webhook PR #260); the fake takes the longest.
      pod.metadata.labels = { ...pod.metadata.labels, 'eks.amazonaws.com/pod-identity': 'enabled' };
    } else if (roleArn) {
      this.inject(pod, IRSA.volume, IRSA.mountPath, IRSA.audience, [
        { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
        ...region,
        { name: 'AWS_ROLE_ARN', value: roleArn },
        { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${IRSA.mountPath}/token` },
      ]);
    }
  }

  private inject(pod: KubeObject, volume: string, mountPath: string, audience: string, env: { name: string; value: string }[]): void {
    for (const container of pod.spec.containers) {
      const present = new Set((container.env ?? []).map((e: KubeObject) => e.name));
      container.env = [...(container.env ?? []), ...env.filter((e) => !present.has(e.name))];
      container.volumeMounts = [...(container.volumeMounts ?? []), { name: volume, readOnly: true, mountPath }];
    }
    const path = volume === IRSA.volume ? 'token' : POD_IDENTITY.volume;
    pod.spec.volumes = [
      { name: volume, projected: { sources: [{ serviceAccountToken: { audience, expirationSeconds: 86400, path } }] } },
      ...(pod.spec.volumes ?? []),
    ];
  }

  /** The DaemonSet controller runs one pod of each DaemonSet on every node. */
  private startDaemonSets(): void {
    for (const daemonSet of this.options.daemonSets) {
      const [namespace, name] = daemonSet.split('/');
      const podName = `${name}-${this.randomSuffix()}`;
      const object = this.meta(
        'Pod',
        { name: podName, namespace },
        {
          spec: { nodeName: this.nodeName, containers: [{ name }], ...(HOST_NETWORK_DAEMONSETS.has(daemonSet) && { hostNetwork: true }) },
          status: { phase: 'Running' },
        },
      );
      this.pods.set(`${namespace}/${podName}`, { object, boundTick: this.ticks, startedTick: this.ticks });
    }
  }

  private podsOnNode(): Pod[] {
    return [...this.pods.values()].filter((pod) => pod.object.spec.nodeName === this.nodeName && !isFinished(pod.object));
  }

  private setServiceAccount(key: string, object: KubeObject | undefined): void {
    if (object) this.serviceAccounts.set(key, object);
    else this.serviceAccounts.delete(key);
    const [namespace, name] = key.split('/');
    this.webhookFor(namespace, name).sa.set(this.now(), object && structuredClone(object));
  }

  private webhookFor(namespace: string, serviceAccount: string) {
    const key = `${namespace}/${serviceAccount}`;
    let view = this.webhookView.get(key);
    if (!view) {
      view = { sa: new Delayed<KubeObject>(), association: new Delayed<PodIdentityAssociation>() };
      this.webhookView.set(key, view);
    }
    return view;
  }

  private meta(kind: string, metadata: KubeObject, rest: KubeObject = {}): KubeObject {
    this.uids += 1;
    const { generateName: _generated, ...kept } = metadata;
    return {
      apiVersion: 'v1',
      kind,
      metadata: {
        ...kept,
        uid: `00000000-0000-4000-8000-${this.uids.toString().padStart(12, '0')}`,
        resourceVersion: String(this.uids),
        creationTimestamp: this.timestamp(),
      },
      ...rest,
    };
  }

  /** A deterministic stand-in for the 5 random characters of a generated name. */
  private randomSuffix(): string {
    this.generated += 1;
    let n = this.generated * 7919;
    let suffix = '';
    for (let i = 0; i < 5; i++) {
      suffix += NAME_ALPHABET[n % NAME_ALPHABET.length];
      n = Math.floor(n / NAME_ALPHABET.length);
    }
    return suffix;
  }

  private timestamp(ticks = this.ticks): string {
    return new Date(EPOCH + ticks * 1000).toISOString().replace('.000Z', 'Z');
  }
}

function isFinished(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** A `Status` failure, as the API server answers one. */
export function failure(code: number, reason: string, message: string, details: KubeObject = {}): ApiAnswer {
  return { code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code } };
}
