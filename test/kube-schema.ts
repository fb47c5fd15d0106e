import { Namespace, Pod, Secret, ServiceAccount } from 'kubernetes-models/v1';

/** The kinds the lab applies, with the kubernetes-models class that holds each schema. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Pod': Pod,
  'v1/Secret': Secret,
  'v1/ServiceAccount': ServiceAccount,
};

/**
 * Validates one Kubernetes object against the Kubernetes OpenAPI schema.
 * An object of a kind the lab does not expect fails too.
 */
export function validateKubeObject(object: { apiVersion: string; kind: string }): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`No schema registered for ${object.apiVersion}/${object.kind}`);
  new Model(object).validate();
}
