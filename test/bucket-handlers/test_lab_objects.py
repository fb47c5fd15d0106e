"""Offline tests of the lab bucket's objects handler: S3 is a fake that keeps objects in a dict."""

import contextlib
import importlib.util
import io
import pathlib
import sys
import types
import unittest
from unittest import mock

HANDLER = pathlib.Path(__file__).resolve().parents[2] / 'lib' / 'app' / 'bucket-handlers' / 'lab_objects.py'
BUCKET = 'eks-oidc-demo-pod-identity-advanced-labbucket-example'
OBJECTS = {'team-a/report.txt': 'team-a\n', 'team-b/report.txt': 'team-b\n'}


class NoSuchBucket(Exception):
    """What the real client raises for a bucket that does not exist."""


class FakeS3:
    """Answers the calls the handler makes, as S3 would, from one bucket held in memory."""

    def __init__(self, objects=None, page_size=2, exists=True, failing_keys=()):
        self.objects = dict(objects or {})
        self.page_size = page_size
        self.exists = exists
        self.failing_keys = set(failing_keys)
        self.calls = []
        self.exceptions = types.SimpleNamespace(NoSuchBucket=NoSuchBucket)

    def put_object(self, Bucket, Key, Body, ContentType):
        self.calls.append(('put_object', Bucket, Key))
        self.objects[Key] = Body

    def get_paginator(self, name):
        assert name == 'list_objects_v2', name
        return self

    def paginate(self, Bucket):
        self.calls.append(('list_objects_v2', Bucket))
        if not self.exists:
            raise NoSuchBucket(Bucket)
        keys = sorted(self.objects)
        for start in range(0, max(len(keys), 1), self.page_size):
            page = keys[start : start + self.page_size]
            yield {'Contents': [{'Key': key} for key in page]} if page else {'KeyCount': 0}

    def delete_objects(self, Bucket, Delete):
        keys = [item['Key'] for item in Delete['Objects']]
        self.calls.append(('delete_objects', Bucket, keys))
        # S3 answers 200 and lists each key it could not delete, e.g. Code AccessDenied, Message Access Denied
        # (S3 API reference, DeleteObjects examples, as minio/mint#116 quotes them).
        errors = [{'Key': key, 'Code': 'AccessDenied', 'Message': 'Access Denied'} for key in keys if key in self.failing_keys]
        for key in keys:
            if key not in self.failing_keys:
                self.objects.pop(key, None)
        return {'Errors': errors} if errors else {}


def load_handler(s3):
    """Imports the handler with boto3 replaced, as Lambda would import it with the real one."""
    fake_boto3 = types.ModuleType('boto3')
    fake_boto3.client = lambda service: s3 if service == 's3' else None
    with mock.patch.dict(sys.modules, {'boto3': fake_boto3}):
        spec = importlib.util.spec_from_file_location('lab_objects_handler', HANDLER)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def invoke(handler, request_type, props, old_props=None, physical_id=None):
    event = {'RequestType': request_type, 'ResourceProperties': props}
    if old_props is not None:
        event['OldResourceProperties'] = old_props
    if physical_id is not None:
        event['PhysicalResourceId'] = physical_id
    with contextlib.redirect_stdout(io.StringIO()):
        return handler.on_event(event, None)


class LabObjectsTest(unittest.TestCase):
    def test_create_puts_every_object_as_text_and_names_the_bucket(self):
        # GIVEN an empty bucket
        s3 = FakeS3()
        # WHEN
        result = invoke(load_handler(s3), 'Create', {'BucketName': BUCKET, 'Objects': OBJECTS})
        # THEN
        self.assertEqual(result, {'PhysicalResourceId': BUCKET})
        self.assertEqual(s3.objects, {key: body.encode() for key, body in OBJECTS.items()})

    def test_update_puts_the_new_objects_and_deletes_those_no_longer_listed(self):
        # GIVEN the bucket holds the objects of the previous version
        s3 = FakeS3({key: body.encode() for key, body in OBJECTS.items()})
        # WHEN team-b's object is dropped and a new one added
        new = {'team-a/report.txt': 'team-a\n', 'team-c/report.txt': 'team-c\n'}
        invoke(load_handler(s3), 'Update', {'BucketName': BUCKET, 'Objects': new}, old_props={'BucketName': BUCKET, 'Objects': OBJECTS})
        # THEN
        self.assertEqual(sorted(s3.objects), ['team-a/report.txt', 'team-c/report.txt'])

    def test_update_into_a_new_bucket_leaves_the_old_bucket_to_its_delete_event(self):
        s3 = FakeS3()
        invoke(load_handler(s3), 'Update', {'BucketName': BUCKET, 'Objects': OBJECTS}, old_props={'BucketName': 'old', 'Objects': OBJECTS})
        self.assertFalse([call for call in s3.calls if call[0] == 'delete_objects'])

    def test_delete_empties_the_bucket_across_pages_including_objects_put_by_hand(self):
        # GIVEN the lab's objects and three more put by hand, listed two per page
        by_hand = {f'notes/{n}.txt': b'x' for n in range(3)}
        s3 = FakeS3({**{key: body.encode() for key, body in OBJECTS.items()}, **by_hand}, page_size=2)
        # WHEN
        result = invoke(load_handler(s3), 'Delete', {'BucketName': BUCKET, 'Objects': OBJECTS}, physical_id=BUCKET)
        # THEN nothing is left, and the physical id is kept
        self.assertEqual(s3.objects, {})
        self.assertEqual(result, {'PhysicalResourceId': BUCKET})
        self.assertEqual(len([call for call in s3.calls if call[0] == 'delete_objects']), 3)

    def test_delete_of_a_bucket_that_is_gone_succeeds(self):
        s3 = FakeS3(exists=False)
        result = invoke(load_handler(s3), 'Delete', {'BucketName': BUCKET, 'Objects': OBJECTS}, physical_id=BUCKET)
        self.assertEqual(result, {'PhysicalResourceId': BUCKET})

    def test_delete_fails_naming_the_objects_s3_would_not_delete(self):
        s3 = FakeS3({key: body.encode() for key, body in OBJECTS.items()}, failing_keys={'team-b/report.txt'})
        with self.assertRaisesRegex(RuntimeError, r'Could not delete 1 object\(s\) of bucket .*team-b/report.txt: AccessDenied.*by hand'):
            invoke(load_handler(s3), 'Delete', {'BucketName': BUCKET, 'Objects': OBJECTS}, physical_id=BUCKET)

    def test_batches_deletes_by_the_s3_limit_of_1000_keys(self):
        s3 = FakeS3({f'k/{n:04}': b'x' for n in range(2500)}, page_size=2500)
        invoke(load_handler(s3), 'Delete', {'BucketName': BUCKET}, physical_id=BUCKET)
        sizes = [len(call[2]) for call in s3.calls if call[0] == 'delete_objects']
        self.assertEqual(sizes, [1000, 1000, 500])
        self.assertEqual(s3.objects, {})

    def test_fails_on_an_unknown_request_type(self):
        with self.assertRaisesRegex(ValueError, 'expected Create, Update or Delete'):
            invoke(load_handler(FakeS3()), 'Replace', {'BucketName': BUCKET, 'Objects': OBJECTS})


if __name__ == '__main__':
    unittest.main()
