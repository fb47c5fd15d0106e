import { POD_IDENTITY_AGENT_ADDON } from '../../../lab-names';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';

/** The agent on each node answers the pods' credential requests (EKS user guide, pod-id-agent-setup). */
export const agentAddon: Rule = {
  id: 'EKSPI6',
  name: 'Pod Identity agent installed',
  severity: Severity.ERROR,
  explanation: 'Associations do nothing without the eks-pod-identity-agent add-on: no agent answers at 169.254.170.23.',
  resolution: 'aws eks create-addon --cluster-name <cluster> --addon-name eks-pod-identity-agent',
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html'],
  evaluate(model: ClusterModel): Finding[] {
    if (model.associations.length === 0) return [];
    const subject = `cluster ${model.cluster.name}`;
    if (model.missing.addons) return [notVerifiable(this, subject, model.missing.addons, 'Allow eks:ListAddons.')];
    if (model.addons.includes(POD_IDENTITY_AGENT_ADDON)) return [];
    return [
      finding(this, {
        subject,
        mechanism: Mechanism.POD_IDENTITY,
        field: 'add-ons',
        expected: POD_IDENTITY_AGENT_ADDON,
        message: `The cluster has ${model.associations.length} Pod Identity association(s) but no ${POD_IDENTITY_AGENT_ADDON} add-on: nothing on the nodes answers the pods' credential requests.`,
        fix: `aws eks create-addon --cluster-name ${model.cluster.name} --addon-name ${POD_IDENTITY_AGENT_ADDON}`,
      }),
    ];
  },
};
