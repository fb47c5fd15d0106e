"""Creates a scenario's pods, and creates them again whenever the lab's toggles change.

A `restartPolicy: Never` pod runs once. Re-applying an unchanged manifest does nothing, and a
changed launch template replaces the node, which evicts bare pods for good. So on every Create
and Update this handler deletes the scenario's pods and creates them afresh: each `s3 ls` pod then
runs under the settings just deployed.
- A new launch template version makes EKS launch new nodes, drain the old ones and terminate them
  (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html).
- A pod is scheduled once; when its node goes, no controller makes a bare pod again
  (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-lifetime).

Before creating them it can wait until the EKS pod-identity webhook really injects credentials:
the webhook mutates a pod only when it is created, and what it injects is eventually consistent.

Pods that run once are created one at a time, each after the previous one has finished, so a
scenario never holds more than one of the node's few pod slots for them.

Every step has a deadline, and every command and retry inside it stops at that deadline, so one
invocation ends within: login (COMMAND_TIMEOUT_SECONDS) + the injection wait + DELETE_TIMEOUT_SECONDS
+ CREATE_TIMEOUT_SECONDS + each run-once pod's CREATE_TIMEOUT_SECONDS + FINISH_TIMEOUT_SECONDS
(test/lab-pods.test.ts adds these up for every synthesized resource).
"""

import copy
import json
import time

from kube import CommandFailed, OutOfTime, kubectl, login

# How long to wait for the webhook to inject, and how often to ask.
DEFAULT_INJECTION_TIMEOUT_SECONDS = 120
POLL_SECONDS = 5
# A sleeping container ignores SIGTERM; one second is all the grace it needs to go.
DELETE_GRACE_SECONDS = 1
DELETE_TIMEOUT_SECONDS = 120
# How long creating pods may take, retries while the access entry propagates included.
CREATE_TIMEOUT_SECONDS = 60
# How long a pod that runs once may take to finish, image pull included.
FINISH_TIMEOUT_SECONDS = 120
FINISHED_PHASES = ('Succeeded', 'Failed')


class InjectionTimeout(Exception):
    """The webhook never injected what the pods need within the timeout."""


def on_event(event, _context):
    """Provider-framework entry point."""
    request_type = event['RequestType']
    props = event['ResourceProperties']
    cluster_name = props['ClusterName']
    namespace = props['Namespace']
    pods = json.loads(props['Manifest'])
    physical_id = f'{cluster_name}/{namespace}/pods'

    if request_type == 'Delete':
        if login(cluster_name, missing_ok=True):
            delete_pods(namespace, pod_names(pods))
        return {'PhysicalResourceId': event.get('PhysicalResourceId', physical_id)}

    if request_type not in ('Create', 'Update'):
        raise ValueError(f'Unknown request type {request_type!r}: expected Create, Update or Delete.')

    login(cluster_name)
    if props.get('WaitForInjection'):
        wait_for_injection(pods, props['WaitForInjection'])
    # Pods the previous version listed go too, so a renamed or removed pod leaves nothing behind.
    old = json.loads(event.get('OldResourceProperties', {}).get('Manifest', '[]'))
    delete_pods(namespace, sorted(set(pod_names(pods)) | set(pod_names(old))))
    run_once = set(props.get('RunOnce', []))
    create_pods([pod for pod in pods if pod['metadata']['name'] not in run_once])
    for pod in pods:
        if pod['metadata']['name'] in run_once:
            create_pods([pod])
            wait_until_finished(namespace, pod['metadata']['name'])
    return {'PhysicalResourceId': physical_id}


def pod_names(pods):
    return [pod['metadata']['name'] for pod in pods]


def wait_for_injection(pods, wait):
    """
    Asks the API server to admit one of the pods in a server-side dry run, until the webhook's
    mutation carries `EnvVar`. A dry run goes through the mutating webhooks but stores nothing.
    """
    service_account = wait['ServiceAccount']
    env_var = wait['EnvVar']
    timeout = int(wait.get('TimeoutSeconds', DEFAULT_INJECTION_TIMEOUT_SECONDS))
    pod = next((pod for pod in pods if pod['spec'].get('serviceAccountName', 'default') == service_account), None)
    if pod is None:
        raise ValueError(f'No pod runs as service account {service_account!r}, so nothing shows whether {env_var} is injected.')
    namespace = pod['metadata']['namespace']
    probe = json.dumps(gate_probe(pod)).encode()
    deadline = time.monotonic() + timeout

    def dry_run():
        admitted = json.loads(kubectl(dry_run_create(), stdin=probe, quiet=True, deadline=deadline))
        return injected(admitted, env_var), admitted

    _, attempts = poll(
        dry_run,
        deadline,
        give_up=lambda _pod, attempts: InjectionTimeout(
            f'{wait["Source"]} is not in effect: after {timeout}s and {attempts} dry runs, pods of '
            f'{namespace}/{service_account} still get no {env_var}. Check that it exists '
            f'({wait["Check"]}), then deploy again.'
        ),
        waiting=lambda attempt: print(f'{env_var} not injected yet (dry run {attempt}); asking again in {POLL_SECONDS}s.'),
    )
    print(f'{env_var} is injected into pods of {namespace}/{service_account} (dry run {attempts}).')


def gate_probe(pod):
    """
    The pod under a name the API server generates. A dry-run create of the pod's own name answers
    409 AlreadyExists while the last deploy's pod of that name is still there, finished or
    terminating (apiserver `pkg/registry/generic/registry/dryrun.go` looks the key up first), and
    on an Update it always is: CloudFormation's rollback Update meets it too.
    """
    probe = copy.deepcopy(pod)
    name = probe['metadata'].pop('name')
    probe['metadata']['generateName'] = f'{name}-gate-'
    return probe


def dry_run_create():
    # --validate=false: the lab's tests check these manifests against the Kubernetes schemas,
    # and the API server validates every object it admits.
    return ['create', '--dry-run=server', '--validate=false', '--output=json', '--filename', '-']


def injected(pod, env_var):
    return any(var.get('name') == env_var for container in pod['spec']['containers'] for var in container.get('env') or [])


def delete_pods(namespace, names):
    """Deletes the pods and waits until they are gone, so their names are free again."""
    if not names:
        return
    in_namespace = ['--namespace', namespace]
    deadline = time.monotonic() + DELETE_TIMEOUT_SECONDS
    options = ['--ignore-not-found', f'--grace-period={DELETE_GRACE_SECONDS}', '--wait=false', '--output=name']
    deleted = kubectl(['delete', 'pod', *names, *in_namespace, *options], deadline=deadline)
    # Under --output=name kubectl prints `pod/<name>` for each pod it deleted, and no such line for one
    # that was not there (kubectl `pkg/cmd/delete/delete.go`, `PrintObj`). None deleted: no wait.
    if not any(line.startswith('pod/') for line in deleted.splitlines()):
        return

    def gone():
        left = kubectl(['get', 'pod', *names, *in_namespace, '--ignore-not-found', '--output=name'], deadline=deadline)
        return not left, left

    poll(
        gone,
        deadline,
        give_up=lambda left, _attempts: CommandFailed(
            f'{", ".join((left or " ".join(names)).split())} in namespace {namespace} still terminating after {DELETE_TIMEOUT_SECONDS}s. '
            f'Check `kubectl -n {namespace} get pods`, then deploy again.'
        ),
    )


def wait_until_finished(namespace, name):
    """Waits until a pod that runs once has ended, either way: its outcome is the lesson."""

    deadline = time.monotonic() + FINISH_TIMEOUT_SECONDS

    def finished():
        pod = json.loads(kubectl(['get', 'pod', name, '--namespace', namespace, '--output=json'], quiet=True, deadline=deadline))
        return pod.get('status', {}).get('phase') in FINISHED_PHASES, pod

    pod, _ = poll(
        finished,
        deadline,
        give_up=lambda pod, _attempts: CommandFailed(
            f'{namespace}/{name} has not finished after {FINISH_TIMEOUT_SECONDS}s: {why_not_finished(pod)}. '
            f'Check `kubectl -n {namespace} describe pod {name}`, then deploy again.'
        ),
    )
    print(f'{namespace}/{name} ended {pod["status"]["phase"]}.')


def why_not_finished(pod):
    """What keeps a pod from running, in the words the API server uses."""
    status = (pod or {}).get('status', {})
    reasons = [f'phase {status.get("phase", "unknown")}']
    for condition in status.get('conditions') or []:
        if condition.get('status') == 'False' and condition.get('message'):
            reasons.append(f'{condition.get("reason", condition.get("type"))}: {condition["message"]}')
    for container in status.get('containerStatuses') or []:
        waiting = container.get('state', {}).get('waiting')
        if waiting:
            reasons.append(f'container {container.get("name")} waiting: {waiting.get("reason")} {waiting.get("message", "")}'.strip())
    return '; '.join(reasons)


def poll(check, deadline, give_up, waiting=lambda _attempt: None):
    """
    Calls `check` every POLL_SECONDS until it returns (True, state), then returns (state, attempts).
    Raises `give_up(state, attempts)` when the next call would come after `deadline` (time.monotonic()),
    with the last state seen (None if the deadline stopped the first call).
    """
    attempts, state = 0, None
    while True:
        attempts += 1
        try:
            done, state = check()
        except OutOfTime:
            # The deadline stopped the check itself: give up as if it had come back not done.
            raise give_up(state, attempts) from None
        if done:
            return state, attempts
        if time.monotonic() + POLL_SECONDS > deadline:
            raise give_up(state, attempts)
        waiting(attempts)
        time.sleep(POLL_SECONDS)


def create_pods(pods):
    if not pods:
        return
    pod_list = {'apiVersion': 'v1', 'kind': 'List', 'items': pods}
    try:
        kubectl(
            ['create', '--validate=false', '--filename', '-'],
            stdin=json.dumps(pod_list).encode(),
            deadline=time.monotonic() + CREATE_TIMEOUT_SECONDS,
        )
    except CommandFailed as failure:
        raise CommandFailed(f'Creating pods {", ".join(pod_names(pods))} failed: {failure}') from failure
