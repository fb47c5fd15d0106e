"""Puts the lab bucket's few small objects at deploy time, and empties the bucket when it goes.

CloudFormation deletes only an empty bucket ("the bucket must be empty", DeleteBucket API
reference). So on Delete this handler removes every object, those it put and any put by hand,
before CloudFormation deletes the bucket: `cdk destroy` leaves neither bucket nor objects.
The objects' text comes with the event, so nothing is fetched at synth or at deploy time.
"""

import boto3

s3 = boto3.client('s3')

# DeleteObjects takes at most 1,000 keys per request (DeleteObjects API reference).
DELETE_BATCH = 1000


def on_event(event, _context):
    """Provider-framework entry point."""
    request_type = event['RequestType']
    props = event['ResourceProperties']
    bucket = props['BucketName']

    if request_type == 'Delete':
        empty(bucket)
        return {'PhysicalResourceId': event.get('PhysicalResourceId', bucket)}

    if request_type not in ('Create', 'Update'):
        raise ValueError(f'Unknown request type {request_type!r}: expected Create, Update or Delete.')

    objects = props.get('Objects') or {}
    for key in sorted(objects):
        s3.put_object(Bucket=bucket, Key=key, Body=objects[key].encode('utf-8'), ContentType='text/plain; charset=utf-8')
        print(f'Put s3://{bucket}/{key} ({len(objects[key])} characters).')
    # On an Update in the same bucket, objects the previous version listed and this one does not go.
    old = event.get('OldResourceProperties') or {}
    if old.get('BucketName') == bucket:
        delete_keys(bucket, sorted(set(old.get('Objects') or {}) - set(objects)))
    return {'PhysicalResourceId': bucket}


def empty(bucket):
    """Deletes every object of the bucket; a bucket that is already gone is already empty."""
    paginator = s3.get_paginator('list_objects_v2')
    try:
        for page in paginator.paginate(Bucket=bucket):
            delete_keys(bucket, [item['Key'] for item in page.get('Contents') or []])
    except s3.exceptions.NoSuchBucket:
        print(f'Bucket {bucket} is gone already.')


def delete_keys(bucket, keys):
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        answer = s3.delete_objects(Bucket=bucket, Delete={'Objects': [{'Key': key} for key in batch], 'Quiet': True})
        errors = answer.get('Errors') or []
        if errors:
            details = '; '.join(f'{error.get("Key")}: {error.get("Code")} {error.get("Message", "")}'.strip() for error in errors)
            raise RuntimeError(f'Could not delete {len(errors)} object(s) of bucket {bucket}: {details}. Delete them by hand, then retry.')
        print(f'Deleted {len(batch)} object(s) of s3://{bucket}.')
