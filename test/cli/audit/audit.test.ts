import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { AuditDeps, runAudit } from '../../../lib/cli/commands/audit/audit';
import { ExitCode } from '../../../lib/cli/errors';
import { Severity } from '../../../lib/cli/rules';
import { writeSnapshotDir } from '../../../lib/cli/sources/snapshot';
import { healthySnapshot } from '../rules/support/snapshot';
import { CapturedTerminal } from '../support/output';
import { HANDMADE } from './handmade';

function saved(snapshot: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lab-audit-snapshot-'));
  writeSnapshotDir(dir, snapshot);
  return dir;
}

async function audit(from: string, options: { json?: boolean; sarif?: boolean; failOn?: Severity } = {}) {
  const terminal = new CapturedTerminal();
  let raw = '';
  const deps: AuditDeps = {
    out: terminal.output(Boolean(options.json)),
    write: (text) => (raw += text),
    collect: () => {
      throw new Error('--from must not collect');
    },
  };
  const code = await runAudit({ from, sarif: options.sarif, failOn: options.failOn }, deps);
  return { code, text: terminal.text, raw, json: () => terminal.json() };
}

const SARIF_SCHEMA = JSON.parse(readFileSync(join(__dirname, '../../fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));

describe('lab audit --from', () => {
  test('GIVEN a healthy cluster WHEN audited THEN nothing is found and the exit code is 0', async () => {
    const { code, json } = await audit(saved(healthySnapshot()), { json: true });
    expect(json().findings).toEqual([]);
    expect(json().credentials).toEqual([
      { pod: 'web/reports-7d9f', mechanism: 'IRSA', detail: expect.stringContaining('reports-reader') },
      { pod: 'shop/api-5c8b', mechanism: 'EKS Pod Identity', detail: expect.any(String) },
      { pod: 'kube-system/coredns-6b9f', mechanism: 'none', detail: expect.stringContaining('hop limit 1') },
    ]);
    expect(code).toBe(ExitCode.OK);
  });

  test.each(Object.entries(HANDMADE))(
    'GIVEN the hand-made snapshot "%s" THEN exactly its rules fire',
    async (_name, { snapshot, expect: rules, verifiable }) => {
      const { code, json } = await audit(saved(snapshot()), { json: true });
      const findings = json().findings as { ruleId: string; verifiable: boolean }[];
      expect([...new Set(findings.map((f) => f.ruleId))].sort()).toEqual([...rules].sort());
      if (verifiable === false) {
        expect(findings.every((f) => !f.verifiable)).toBe(true);
        expect(code).toBe(ExitCode.OK);
      } else {
        expect(code).toBe(ExitCode.CHECK_FAILED);
      }
    },
  );

  test('keeps every table line within 100 columns, and never prints a key', async () => {
    const { text } = await audit(saved(HANDMADE['keys in env'].snapshot()));
    expect(text.split('\n').filter((line) => line.length > 100)).toEqual([]);
    expect(text).toMatch(/EKSKEYS1 +pod legacy\/batch-1/);
    expect(text).not.toMatch(/AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI/);
  });

  test('names the drill that reproduces a finding', async () => {
    const { text } = await audit(saved(HANDMADE['wildcard under StringEquals'].snapshot()));
    expect(text).toContain('-c drill=irsa-wrong-namespace');
  });

  test('--fail-on error passes a run with warnings only', async () => {
    expect((await audit(saved(HANDMADE['orphan association'].snapshot()), { failOn: Severity.ERROR })).code).toBe(ExitCode.OK);
  });

  test('--sarif is valid SARIF 2.1.0 against the published schema', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The schema's uri and date-time formats, checked as the schema asks.
    addFormats(ajv);
    const validate = ajv.compile(SARIF_SCHEMA);
    for (const { snapshot } of Object.values(HANDMADE)) {
      const { raw } = await audit(saved(snapshot()), { sarif: true });
      const log = JSON.parse(raw);
      const valid = validate(log);
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
      expect(log.runs[0].results.length).toBeGreaterThan(0);
    }
  });

  test('fails with a clear message on a directory that holds no snapshot', async () => {
    await expect(audit(mkdtempSync(join(tmpdir(), 'lab-audit-empty-')))).rejects.toThrow(/holds none of the snapshot files/);
  });
});
