"""Copies a Secrets Manager secret into a Kubernetes Secret.

The value never travels through CloudFormation: the event carries names and an
ARN only, this handler reads the value itself and hands the manifest to kubectl
on stdin. Nothing it logs or raises contains the value.
"""

import base64
import json
import re

import boto3

from kube import kubectl, login

FIELD_MANAGER = 'eks-oidc-demo-secret-writer'
MANAGED_BY = 'eks-oidc-demo'

# The keys Kubernetes accepts in a Secret's data.
SECRET_KEY = re.compile(r'^[-._a-zA-Z0-9]+$')

secrets_manager = boto3.client('secretsmanager')


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
