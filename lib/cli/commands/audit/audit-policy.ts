import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The read-only IAM policy `lab audit` needs: every action its collection calls, and no other. */
export const AUDIT_IAM_POLICY_FILE = join(__dirname, 'lab-audit-iam-policy.json');

/** The Kubernetes ClusterRoles: view-like reads, and Secrets as a separate opt-in. */
export const AUDIT_CLUSTER_ROLE_FILE = join(__dirname, 'lab-audit-clusterrole.yaml');

/** The IAM actions the policy file grants. */
export function policyActions(): string[] {
  const policy = JSON.parse(readFileSync(AUDIT_IAM_POLICY_FILE, 'utf8')) as { Statement: { Action: string | string[] }[] };
  return policy.Statement.flatMap((statement) => ([] as string[]).concat(statement.Action));
}

/** What `lab audit --print-policy` prints. */
export function printablePolicies(): string {
  return [
    '# IAM policy (lib/cli/commands/audit/lab-audit-iam-policy.json): read-only',
    readFileSync(AUDIT_IAM_POLICY_FILE, 'utf8').trim(),
    '',
    '# Kubernetes ClusterRoles (lib/cli/commands/audit/lab-audit-clusterrole.yaml)',
    readFileSync(AUDIT_CLUSTER_ROLE_FILE, 'utf8').trim(),
  ].join('\n');
}
