import { Template } from 'aws-cdk-lib/assertions';
import { kubeObjects, logicalIdsOf, synthesizedLab } from './util';

/**
 * What CloudFormation creates and what Kubernetes runs must name each other
 * exactly: these tests read both sides from the templates and compare them.
 */
describe('CloudFormation and Kubernetes agree', () => {
  let irsa: Template;
  let podIdentity: Template;
  beforeAll(async () => {
    const { templates } = await synthesizedLab();
    irsa = templates['eks-oidc-demo-irsa'];
    podIdentity = templates['eks-oidc-demo-pod-identity'];
  });

  test("IRSA: the trust's sub is the annotated service account, and its pods run as it", () => {
    // GIVEN the IRSA trust conditions, with the issuer replaced by a marker
    const [conditions] = Object.values(irsa.findResources('Custom::AWSCDKCfnJson'));
    const [separator, parts] = conditions.Properties.Value['Fn::Join'];
    const trust = JSON.parse(parts.map((p: unknown) => (typeof p === 'string' ? p : 'ISSUER')).join(separator));

    // WHEN the service account that carries the role annotation is found in the manifests
    const objects = kubeObjects(irsa);
    const annotated = objects.filter((o) => o.kind === 'ServiceAccount' && o.metadata.annotations?.['eks.amazonaws.com/role-arn']);
    expect(annotated).toHaveLength(1);
    const [sa] = annotated;

    // THEN sub names it, aud is STS, the annotation names the trusting role, and the pods use it
    expect(trust['ISSUER:sub']).toBe(`system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`);
    expect(trust['ISSUER:aud']).toBe('sts.amazonaws.com');
    const trustingRole = logicalIdsOf(irsa, 'AWS::IAM::Role').find((id) =>
      JSON.stringify(irsa.toJSON().Resources[id].Properties.AssumeRolePolicyDocument).includes('AssumeRoleWithWebIdentity'),
    );
    expect(sa.metadata.annotations!['eks.amazonaws.com/role-arn']).toBe(`\${${trustingRole}.Arn}`);
    const pods = objects.filter((o) => o.kind === 'Pod');
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect([pod.metadata.name, pod.metadata.namespace, pod.spec.serviceAccountName]).toEqual([
        pod.metadata.name,
        sa.metadata.namespace,
        sa.metadata.name,
      ]);
    }
  });

  test('Pod Identity: the association names the service account the chart creates, and its pods run as it', () => {
    const [association] = Object.values(podIdentity.findResources('AWS::EKS::PodIdentityAssociation'));
    const objects = kubeObjects(podIdentity);
    const sa = objects.find(
      (o) =>
        o.kind === 'ServiceAccount' &&
        o.metadata.name === association.Properties.ServiceAccount &&
        o.metadata.namespace === association.Properties.Namespace,
    );
    expect(sa?.metadata).toMatchObject({ name: 'eks-iam-test', namespace: 'pod-identity' });
    const role = logicalIdsOf(podIdentity, 'AWS::IAM::Role')[0];
    expect(association.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    for (const pod of objects.filter((o) => o.kind === 'Pod')) {
      expect(pod.metadata.namespace).toBe(association.Properties.Namespace);
      expect(pod.spec.serviceAccountName).toBe(association.Properties.ServiceAccount);
    }
  });

  test('no IRSA or Pod Identity pod carries static AWS keys, which would win over both in the SDK chain', () => {
    for (const template of [irsa, podIdentity]) {
      for (const pod of kubeObjects(template).filter((o) => o.kind === 'Pod')) {
        const names = (pod.spec.containers as Array<{ env?: Array<{ name: string }> }>).flatMap((c) => (c.env ?? []).map((e) => e.name));
        expect(names.filter((n) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(n))).toEqual([]);
      }
    }
  });
});
