"""Offline tests of the secret writer's handler: kubectl, the AWS CLI and Secrets Manager are fakes."""

import base64
import contextlib
import importlib.util
import io
import json
import pathlib
import subprocess
import sys
import types
import unittest
from unittest import mock

HANDLERS = pathlib.Path(__file__).resolve().parents[2] / 'lib' / 'app' / 'cluster-handlers'
sys.path.insert(0, str(HANDLERS))
import kube  # noqa: E402 - the handlers import it by this name, as Lambda does

SOURCE_ARN = 'arn:aws:secretsmanager:us-east-2:123456789012:secret:static-keys-AbCdEf'
# Dummy values shaped like a real key pair, so a leak would be easy to spot.
ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
SOURCE = {'AWS_ACCESS_KEY_ID': ACCESS_KEY_ID, 'AWS_SECRET_ACCESS_KEY': SECRET_ACCESS_KEY}
PROPS = {
    'ServiceToken': 'arn:aws:lambda:us-east-2:123456789012:function:provider',
    'ClusterName': 'eks-oidc-demo',
    'Namespace': 'secret-injected',
    'SecretName': 'aws-static-keys',
    'SourceSecretArn': SOURCE_ARN,
}


class FakeSecretsManager:
    def __init__(self):
        self.secret_string = json.dumps(SOURCE)
        self.calls = []

    def get_secret_value(self, SecretId):
        self.calls.append(SecretId)
        return {'SecretString': self.secret_string}


def load_handler(secrets_manager):
    """Imports the handler with boto3 replaced, as Lambda would import it with the real one."""
    fake_boto3 = types.ModuleType('boto3')
    fake_boto3.client = lambda service: secrets_manager if service == 'secretsmanager' else None
    with mock.patch.dict(sys.modules, {'boto3': fake_boto3}):
        spec = importlib.util.spec_from_file_location('secret_writer_handler', HANDLERS / 'secret_writer.py')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


class FakeCommands:
    """Records every command and answers from a script: (argv[0], returncode, stdout, stderr) per call."""

    def __init__(self, script=()):
        self.script = list(script)
        self.calls = []

    def __call__(self, cmd, input=None, capture_output=False, check=False, timeout=None):
        self.calls.append({'cmd': list(cmd), 'input': input, 'capture_output': capture_output, 'timeout': timeout})
        if self.script:
            program, returncode, stdout, stderr = self.script.pop(0)
            assert cmd[0] == program, f'expected {program}, got {cmd}'
            if returncode == 'hang':
                raise subprocess.TimeoutExpired(cmd, timeout)
        else:
            returncode, stdout, stderr = 0, b'', b''
        return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)

    def kubectl_calls(self):
        return [call for call in self.calls if call['cmd'][0] == 'kubectl']


class HandlerTest(unittest.TestCase):
    def setUp(self):
        self.secrets_manager = FakeSecretsManager()
        self.handler = load_handler(self.secrets_manager)
        self.commands = FakeCommands()
        self.sleeps = []
        for patcher in (
            mock.patch.object(kube.subprocess, 'run', side_effect=lambda *a, **k: self.commands(*a, **k)),
            mock.patch.object(kube.time, 'sleep', side_effect=self.sleeps.append),
            mock.patch.object(kube.os, 'chmod'),
        ):
            patcher.start()
            self.addCleanup(patcher.stop)

    def invoke(self, request_type, props=PROPS, physical_id=None):
        event = {'RequestType': request_type, 'ResourceProperties': dict(props)}
        if physical_id is not None:
            event['PhysicalResourceId'] = physical_id
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                return self.handler.on_event(event, None), out.getvalue(), None
            except Exception as error:  # noqa: BLE001 - the test inspects it
                return None, out.getvalue(), error

    def assert_no_secret(self, text):
        for secret in (SECRET_ACCESS_KEY, base64.b64encode(SECRET_ACCESS_KEY.encode()).decode(), ACCESS_KEY_ID):
            self.assertNotIn(secret, text)

    # --- Create ---

    def test_create_reads_the_source_secret_by_its_arn(self):
        # WHEN
        self.invoke('Create')
        # THEN
        self.assertEqual(self.secrets_manager.calls, [SOURCE_ARN])

    def test_create_logs_in_to_the_named_cluster_then_applies_server_side_from_stdin(self):
        # WHEN
        result, _, error = self.invoke('Create')
        # THEN
        self.assertIsNone(error)
        login, apply = self.commands.calls
        self.assertEqual(login['cmd'][:4], ['aws', 'eks', 'update-kubeconfig', '--name'])
        self.assertEqual(login['cmd'][4], 'eks-oidc-demo')
        self.assertEqual(apply['cmd'][0], 'kubectl')
        self.assertIn('apply', apply['cmd'])
        self.assertIn('--server-side', apply['cmd'])
        self.assertEqual(apply['cmd'][-2:], ['--filename', '-'])
        self.assertEqual(result, {'PhysicalResourceId': 'secret-injected/aws-static-keys'})

    def test_create_pipes_an_opaque_secret_with_every_source_field(self):
        # WHEN
        self.invoke('Create')
        # THEN
        manifest = json.loads(self.commands.kubectl_calls()[0]['input'])
        self.assertEqual(manifest['kind'], 'Secret')
        self.assertEqual(manifest['type'], 'Opaque')
        self.assertEqual(manifest['metadata']['name'], 'aws-static-keys')
        self.assertEqual(manifest['metadata']['namespace'], 'secret-injected')
        decoded = {key: base64.b64decode(value).decode() for key, value in manifest['data'].items()}
        self.assertEqual(decoded, SOURCE)

    def test_create_keeps_the_secret_off_every_command_line_and_out_of_the_log(self):
        # WHEN
        _, log, _ = self.invoke('Create')
        # THEN
        for call in self.commands.calls:
            self.assert_no_secret(' '.join(call['cmd']))
        self.assert_no_secret(log)

    def test_create_returns_no_data_for_the_framework_to_log(self):
        # WHEN
        result, _, _ = self.invoke('Create')
        # THEN
        self.assertEqual(set(result), {'PhysicalResourceId'})

    def test_update_to_a_new_name_returns_a_new_physical_id(self):
        # GIVEN
        renamed = dict(PROPS, SecretName='other-keys')
        # WHEN
        result, _, _ = self.invoke('Update', renamed, physical_id='secret-injected/aws-static-keys')
        # THEN CloudFormation will send a Delete for the old Secret
        self.assertEqual(result, {'PhysicalResourceId': 'secret-injected/other-keys'})

    def test_retries_while_the_access_entry_propagates(self):
        # GIVEN
        self.commands.script = [
            ('aws', 0, b'', b''),
            ('kubectl', 1, b'', b'error: You must be logged in to the server (Unauthorized)'),
            ('kubectl', 0, b'secret/aws-static-keys serverside-applied', b''),
        ]
        # WHEN
        result, _, error = self.invoke('Create')
        # THEN
        self.assertIsNone(error)
        self.assertEqual(len(self.commands.kubectl_calls()), 2)
        self.assertEqual(self.sleeps, [kube.RETRY_DELAY_SECONDS])
        self.assertEqual(result['PhysicalResourceId'], 'secret-injected/aws-static-keys')

    # --- failures ---

    def test_fails_after_the_last_attempt(self):
        # GIVEN
        unauthorized = ('kubectl', 1, b'', b'error: You must be logged in to the server (Unauthorized)')
        self.commands.script = [('aws', 0, b'', b'')] + [unauthorized] * kube.ATTEMPTS
        # WHEN
        _, _, error = self.invoke('Create')
        # THEN
        self.assertIsInstance(error, kube.CommandFailed)
        self.assertIn('Unauthorized', str(error))
        self.assertEqual(len(self.commands.kubectl_calls()), kube.ATTEMPTS)

    def test_fails_at_once_on_a_lasting_error(self):
        # GIVEN
        self.commands.script = [('aws', 0, b'', b''), ('kubectl', 1, b'', b'namespaces "secret-injected" not found')]
        # WHEN
        _, _, error = self.invoke('Create')
        # THEN
        self.assertIn('not found', str(error))
        self.assertEqual(self.sleeps, [])

    def test_fails_without_echoing_the_secret_when_kubectl_does(self):
        # GIVEN kubectl's error quotes the data it was given
        encoded = base64.b64encode(SECRET_ACCESS_KEY.encode())
        self.commands.script = [('aws', 0, b'', b''), ('kubectl', 1, b'', b'invalid value "' + encoded + b'" ' + SECRET_ACCESS_KEY.encode())]
        # WHEN
        _, log, error = self.invoke('Create')
        # THEN
        self.assertIsNotNone(error)
        self.assert_no_secret(str(error))
        self.assert_no_secret(log)
        self.assertIn(kube.REDACTED, str(error))

    def test_fails_when_the_source_is_not_a_json_object_without_echoing_it(self):
        # GIVEN
        self.secrets_manager.secret_string = SECRET_ACCESS_KEY
        # WHEN
        _, log, error = self.invoke('Create')
        # THEN
        self.assertIsInstance(error, ValueError)
        self.assertIn('JSON object', str(error))
        self.assert_no_secret(str(error))
        self.assert_no_secret(log)
        self.assertEqual(self.commands.calls, [])

    def test_fails_when_a_source_value_is_not_a_string(self):
        # GIVEN
        self.secrets_manager.secret_string = json.dumps({'AWS_ACCESS_KEY_ID': 42})
        # WHEN
        _, _, error = self.invoke('Create')
        # THEN
        self.assertIn("'AWS_ACCESS_KEY_ID'", str(error))

    def test_fails_when_a_source_key_is_no_valid_secret_key(self):
        # GIVEN
        self.secrets_manager.secret_string = json.dumps({'AWS ACCESS KEY': 'x'})
        # WHEN
        _, _, error = self.invoke('Create')
        # THEN
        self.assertIn('Kubernetes rejects', str(error))

    def test_fails_on_an_unknown_request_type(self):
        # WHEN
        _, _, error = self.invoke('Replace')
        # THEN
        self.assertIsInstance(error, ValueError)
        self.assertIn("'Replace'", str(error))

    # --- no hang ---

    def test_every_command_has_a_timeout_and_kubectl_a_request_timeout(self):
        # WHEN
        self.invoke('Create')
        # THEN
        self.assertEqual([call['timeout'] for call in self.commands.calls], [kube.COMMAND_TIMEOUT_SECONDS] * 2)
        for call in self.commands.kubectl_calls():
            self.assertIn(f'--request-timeout={kube.KUBECTL_REQUEST_TIMEOUT}', call['cmd'])

    def test_fails_naming_a_command_that_hangs(self):
        # GIVEN kubectl never returns
        self.commands.script = [('aws', 0, b'', b''), ('kubectl', 'hang', b'', b'')]
        # WHEN
        _, _, error = self.invoke('Create')
        # THEN
        self.assertIsInstance(error, kube.CommandFailed)
        self.assertIn(f'did not finish within {kube.COMMAND_TIMEOUT_SECONDS}s and was stopped', str(error))
        self.assertEqual(len(self.commands.kubectl_calls()), 1)

    # --- Delete ---

    def test_delete_removes_the_secret_and_tolerates_its_absence(self):
        # WHEN
        result, _, error = self.invoke('Delete', physical_id='secret-injected/aws-static-keys')
        # THEN
        self.assertIsNone(error)
        (delete,) = self.commands.kubectl_calls()
        self.assertEqual(delete['cmd'][4:], ['delete', 'secret', 'aws-static-keys', '--namespace', 'secret-injected', '--ignore-not-found'])
        self.assertEqual(result, {'PhysicalResourceId': 'secret-injected/aws-static-keys'})

    def test_delete_never_reads_the_source(self):
        # WHEN
        self.invoke('Delete', physical_id='secret-injected/aws-static-keys')
        # THEN
        self.assertEqual(self.secrets_manager.calls, [])

    def test_delete_succeeds_when_the_cluster_is_gone(self):
        # GIVEN
        self.commands.script = [('aws', 254, b'', b'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation')]
        # WHEN
        result, _, error = self.invoke('Delete', physical_id='secret-injected/aws-static-keys')
        # THEN
        self.assertIsNone(error)
        self.assertEqual(self.commands.kubectl_calls(), [])
        self.assertEqual(result, {'PhysicalResourceId': 'secret-injected/aws-static-keys'})

    def test_fails_to_create_when_the_cluster_is_gone(self):
        # GIVEN
        self.commands.script = [('aws', 254, b'', b'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation')]
        # WHEN
        _, _, error = self.invoke('Create')
        # THEN
        self.assertIsInstance(error, kube.CommandFailed)
        self.assertIn('ResourceNotFoundException', str(error))


if __name__ == '__main__':
    unittest.main()
