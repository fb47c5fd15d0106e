"""Copies a Secrets Manager secret into a Kubernetes Secret.

The value never travels through CloudFormation: the event carries names and an
ARN only, this handler reads the value itself and hands the manifest to kubectl
on stdin. Nothing it logs or raises contains the value.
"""

import base64
import json
import os
import re
import subprocess
import time

import boto3

# The Lambda layers unpack kubectl to /opt/kubectl and the AWS CLI to /opt/awscli.
os.environ['PATH'] = '/opt/kubectl:/opt/awscli:' + os.environ.get('PATH', '')
# kubectl keeps its discovery cache under $HOME; /tmp is the only writable place in Lambda.
os.environ.setdefault('HOME', '/tmp')

KUBECONFIG = '/tmp/kubeconfig'
FIELD_MANAGER = 'eks-oidc-demo-secret-writer'
MANAGED_BY = 'eks-oidc-demo'

# A new access entry can take a few seconds before the API server honours it.
ATTEMPTS = 6
RETRY_DELAY_SECONDS = 10
TRANSIENT_ERRORS = ('Unauthorized', 'Forbidden', 'forbidden', 'i/o timeout', 'TLS handshake timeout', 'connection refused')

# The keys Kubernetes accepts in a Secret's data.
SECRET_KEY = re.compile(r'^[-._a-zA-Z0-9]+$')
REDACTED = '[REDACTED]'

secrets_manager = boto3.client('secretsmanager')


class CommandFailed(Exception):
    """A command failed; its message is already redacted."""


def on_event(event, _context):
    """Provider-framework entry point. Returns no Data, so the framework logs nothing of the value."""
    request_type = event['RequestType']
    props = event['ResourceProperties']
    cluster_name = props['ClusterName']
    namespace = props['Namespace']
    secret_name = props['SecretName']

    if request_type == 'Delete':
        if not login(cluster_name, missing_ok=True):
            # A deleted cluster took its Secrets with it.
            return {'PhysicalResourceId': event['PhysicalResourceId']}
        kubectl(['delete', 'secret', secret_name, '--namespace', namespace, '--ignore-not-found'])
        return {'PhysicalResourceId': event['PhysicalResourceId']}

    if request_type not in ('Create', 'Update'):
        raise ValueError(f'Unknown request type {request_type!r}: expected Create, Update or Delete.')

    values = read_source(props['SourceSecretArn'])
    manifest = secret_manifest(namespace, secret_name, values)
    login(cluster_name)
    # Server-side apply keeps no last-applied-configuration annotation, which would be a second copy of the data.
    kubectl(
        ['apply', '--server-side', '--force-conflicts', f'--field-manager={FIELD_MANAGER}', '--filename', '-'],
        stdin=json.dumps(manifest).encode(),
        secrets=list(values.values()),
    )
    # A new namespace or name is a new Secret: CloudFormation then deletes the old one.
    return {'PhysicalResourceId': f'{namespace}/{secret_name}'}


def read_source(secret_arn):
    """The source secret as a dict of strings. Errors name the secret and the keys, never a value."""
    secret_string = secrets_manager.get_secret_value(SecretId=secret_arn)['SecretString']
    try:
        values = json.loads(secret_string)
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict) or not values:
        raise ValueError(f'Secret {secret_arn} must hold a non-empty JSON object of strings; store it with secretObjectValue.')
    for key, value in values.items():
        if not SECRET_KEY.match(key):
            raise ValueError(f'Secret {secret_arn} has key {key!r}, which Kubernetes rejects: use letters, digits, "-", "_" and ".".')
        if not isinstance(value, str):
            raise ValueError(f'Secret {secret_arn} has a non-string value under {key!r}: store every value as a string.')
    return values


def secret_manifest(namespace, name, values):
    """An Opaque Secret holding every field of the source secret under its own key."""
    return {
        'apiVersion': 'v1',
        'kind': 'Secret',
        'type': 'Opaque',
        'metadata': {
            'name': name,
            'namespace': namespace,
            'labels': {'app.kubernetes.io/managed-by': MANAGED_BY},
        },
        'data': {key: base64.b64encode(value.encode()).decode() for key, value in values.items()},
    }


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


def kubectl(args, stdin=None, secrets=()):
    """Runs kubectl, retrying while a fresh access entry is still propagating."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            run(['kubectl', '--kubeconfig', KUBECONFIG, *args], stdin=stdin, secrets=secrets)
            return
        except CommandFailed as failure:
            if attempt == ATTEMPTS or not any(marker in str(failure) for marker in TRANSIENT_ERRORS):
                raise
            print(f'Attempt {attempt} of {ATTEMPTS} failed, retrying in {RETRY_DELAY_SECONDS}s: {failure}')
            time.sleep(RETRY_DELAY_SECONDS)


def run(cmd, stdin=None, secrets=()):
    """Runs a command whose arguments hold no secret; its output is redacted before anyone sees it."""
    print(f'Running: {" ".join(cmd)}')
    result = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    stdout = redact(result.stdout.decode(errors='replace'), secrets).strip()
    if result.returncode != 0:
        stderr = redact(result.stderr.decode(errors='replace'), secrets).strip()
        raise CommandFailed(f'`{" ".join(cmd)}` exited with {result.returncode}: {stderr or stdout}')
    if stdout:
        print(stdout)


def redact(text, secrets):
    """Replaces each secret, raw or base64-encoded as in a Secret's data, with a marker."""
    for secret in secrets:
        if not secret:
            continue
        for form in (secret, base64.b64encode(secret.encode()).decode()):
            text = text.replace(form, REDACTED)
    return text
