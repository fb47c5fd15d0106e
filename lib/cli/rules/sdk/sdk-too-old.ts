import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism, effectiveCredential } from '../../../model/effective-credential';
import { MODE_LABEL, cliTooOld } from '../../private/cli-version';
import { Finding, Rule, Severity, finding } from '../rule';

/**
 * The oldest SDKs that can use each mode (EKS user guide, iam-roles-for-service-accounts-minimum-sdk,
 * pod-id-minimum-sdk). Only an image tagged with a known release can be judged: the AWS CLI images.
 */
export const sdkTooOld: Rule = {
  id: 'EKSSDK1',
  name: 'SDK new enough for its credentials',
  severity: Severity.ERROR,
  explanation: 'An SDK older than the first release that supports the injected credentials cannot use them.',
  resolution: 'Use an image at or after the minimum release for the mechanism.',
  links: [
    'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html',
    'https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-minimum-sdk.html',
  ],
  evaluate(model: ClusterModel): Finding[] {
    return model.pods.flatMap((pod) => {
      const mechanism = effectiveCredential(model, pod).mechanism;
      const mode = mechanism === Mechanism.POD_IDENTITY ? 'podIdentity' : mechanism === Mechanism.IRSA ? 'irsa' : undefined;
      if (!mode) return [];
      return pod.containers.flatMap((container) => {
        const tooOld = cliTooOld(container.image, mode);
        if (!tooOld) return [];
        return [
          finding(this, {
            subject: `pod ${pod.namespace}/${pod.name}`,
            mechanism,
            field: `container ${container.name} image`,
            expected: `AWS CLI ${tooOld.minimum} or later`,
            message: `Container ${container.name} runs AWS CLI ${tooOld.version}, older than ${tooOld.minimum}, the first release that supports ${MODE_LABEL[mode]}.`,
            fix: `Use ${container.image?.replace(/:[^:]+$/, '')}:${tooOld.minimum} or later.`,
          }),
        ];
      });
    });
  },
};
