import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LAB_OBJECTS_RESOURCE_TYPE, LabBucket } from '../lib/app/lab-bucket';
import { expectPythonTestsPass } from './util';

describe('LabBucket', () => {
  test('puts each object through one custom resource, deleted with the bucket', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Test', { env: { region: 'us-east-2' } });
    // WHEN
    new LabBucket(stack, 'Bucket', { objects: { 'a/one.txt': 'one\n' } });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource(LAB_OBJECTS_RESOURCE_TYPE, {
      Properties: { Objects: { 'a/one.txt': 'one\n' } },
      DeletionPolicy: 'Delete',
    });
    // Not the CDK's autoDeleteObjects, whose role gets s3:DeleteObject* and s3:List*.
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('fails without objects, saying what to pass', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new LabBucket(stack, 'Bucket', { objects: {} })).toThrow(/needs at least one object: pass objects: \{ key: text \}/);
  });

  test("its handler's offline tests pass: puts objects, empties the bucket across pages and batches, names what it could not delete", () => {
    // WHEN / THEN the handler's Python tests pass against a fake S3 client
    expectPythonTestsPass('test/bucket-handlers');
  });
});
