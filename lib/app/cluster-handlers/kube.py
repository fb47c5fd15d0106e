"""What the lab's cluster handlers share: logging in to EKS and running kubectl.

kubectl authenticates through the AWS CLI (`update-kubeconfig` sets up `aws eks get-token`),
as the CDK's own kubectl handler does. Command output is redacted before anyone sees it.
"""

import base64
import os
import subprocess
import time

# The Lambda layers unpack kubectl to /opt/kubectl and the AWS CLI to /opt/awscli.
os.environ['PATH'] = '/opt/kubectl:/opt/awscli:' + os.environ.get('PATH', '')
# kubectl keeps its discovery cache under $HOME; /tmp is the only writable place in Lambda.
os.environ.setdefault('HOME', '/tmp')

KUBECONFIG = os.environ.get('LAB_KUBECONFIG', '/tmp/kubeconfig')

# A new access entry can take a few seconds before the API server honours it; EKS documents no
# bound, so the retries allow 50s. The CDK's own kubectl handler likewise retries `i/o timeout`
# (aws-cdk-lib `custom-resource-handlers/dist/aws-eks-v2/kubectl-handler/apply/__init__.py`).
ATTEMPTS = 6
RETRY_DELAY_SECONDS = 10
TRANSIENT_ERRORS = ('Unauthorized', 'Forbidden', 'forbidden', 'i/o timeout', 'TLS handshake timeout', 'connection refused')

# No command may hang the deploy: each one is killed after COMMAND_TIMEOUT_SECONDS, and kubectl
# gives up on any one request to the API server after KUBECTL_REQUEST_TIMEOUT (`--request-timeout`).
COMMAND_TIMEOUT_SECONDS = 60
KUBECTL_REQUEST_TIMEOUT = '20s'

REDACTED = '[REDACTED]'


class CommandFailed(Exception):
    """A command failed; its message is already redacted."""


class CommandTimedOut(CommandFailed):
    """A command ran past its timeout and was stopped."""


class OutOfTime(CommandFailed):
    """A step's deadline came before its command could finish."""


def login(cluster_name, missing_ok=False):
    """Writes a kubeconfig that authenticates as this function's role. False if the cluster is gone and missing_ok."""
    try:
        run(['aws', 'eks', 'update-kubeconfig', '--name', cluster_name, '--kubeconfig', KUBECONFIG])
    except CommandFailed as failure:
        if missing_ok and 'ResourceNotFoundException' in str(failure):
            return False
        raise
    os.chmod(KUBECONFIG, 0o600)
    return True


def kubectl(args, stdin=None, secrets=(), quiet=False, deadline=None):
    """
    Runs kubectl and returns its stdout, retrying while a fresh access entry is still propagating.
    With a `deadline` (a time.monotonic() value), neither a command nor a retry runs past it.
    """
    for attempt in range(1, ATTEMPTS + 1):
        timeout = time_left(deadline, args)
        try:
            command = ['kubectl', '--kubeconfig', KUBECONFIG, f'--request-timeout={KUBECTL_REQUEST_TIMEOUT}', *args]
            return run(command, stdin=stdin, secrets=secrets, quiet=quiet)
        except CommandTimedOut as timed_out:
            if timeout < COMMAND_TIMEOUT_SECONDS:
                raise OutOfTime(str(timed_out)) from None
            raise
        except CommandFailed as failure:
            out_of_time = deadline is not None and time.monotonic() + RETRY_DELAY_SECONDS >= deadline
            if attempt == ATTEMPTS or out_of_time or not any(marker in str(failure) for marker in TRANSIENT_ERRORS):
                raise
            print(f'Attempt {attempt} of {ATTEMPTS} failed, retrying in {RETRY_DELAY_SECONDS}s: {failure}')
            time.sleep(RETRY_DELAY_SECONDS)
    raise AssertionError('unreachable')


def time_left(deadline, args):
    """How long the next command may take: COMMAND_TIMEOUT_SECONDS, or less when the deadline is closer."""
    if deadline is None:
        return COMMAND_TIMEOUT_SECONDS
    left = deadline - time.monotonic()
    if left <= 0:
        raise OutOfTime(f'No time left to run `kubectl {" ".join(args)}`.')
    return min(COMMAND_TIMEOUT_SECONDS, left)


def run(cmd, stdin=None, secrets=(), quiet=False, timeout=COMMAND_TIMEOUT_SECONDS):
    """Runs a command whose arguments hold no secret and returns its redacted stdout."""
    print(f'Running: {" ".join(cmd)}')
    try:
        result = subprocess.run(cmd, input=stdin, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        raise CommandTimedOut(f'`{" ".join(cmd)}` did not finish within {expired.timeout:.0f}s and was stopped.') from None
    stdout = redact(result.stdout.decode(errors='replace'), secrets).strip()
    if result.returncode != 0:
        stderr = redact(result.stderr.decode(errors='replace'), secrets).strip()
        raise CommandFailed(f'`{" ".join(cmd)}` exited with {result.returncode}: {stderr or stdout}')
    if stdout and not quiet:
        print(stdout)
    return stdout


def redact(text, secrets):
    """Replaces each secret, raw or base64-encoded as in a Secret's data, with a marker."""
    for secret in secrets:
        if not secret:
            continue
        for form in (secret, base64.b64encode(secret.encode()).decode()):
            text = text.replace(form, REDACTED)
    return text
