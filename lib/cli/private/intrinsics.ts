import { CLUSTER_EXPORTS, LAB_CLUSTER } from '../../cluster-contract';

/**
 * The issuer the offline checks assume: synth never knows the real one, which
 * EKS assigns when it creates the cluster.
 */
export const PLACEHOLDER_ISSUER = 'https://oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

/** The account in resolved ARNs: a placeholder, since synth is account-agnostic. */
export const PLACEHOLDER_ACCOUNT = '${AWS::AccountId}';

/** One resource of a CloudFormation template, as synthesized. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Metadata?: Record<string, unknown>;
}

/** The resource types that register an IAM OIDC provider: native, and the CDK's older custom resource. */
export const OIDC_PROVIDER_TYPES: ReadonlySet<string> = new Set(['AWS::IAM::OIDCProvider', 'Custom::AWSCDKOpenIdConnectProvider']);
const CFN_JSON_TYPE = 'Custom::AWSCDKCfnJson';

/**
 * Resolves the intrinsics CDK emits, far enough to read manifests and trust
 * policies offline: `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::Sub`,
 * `Fn::ImportValue`, `Ref` and `Fn::GetAtt`. What only CloudFormation can know
 * becomes a `${LogicalId}` or `${LogicalId.Attr}` placeholder.
 */
export class IntrinsicResolver {
  private readonly imports: Record<string, string>;

  constructor(
    private readonly resources: Readonly<Record<string, CfnResource>>,
    imports: Record<string, string> = {},
  ) {
    this.imports = { [CLUSTER_EXPORTS.oidcIssuerUrl]: PLACEHOLDER_ISSUER, ...imports };
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt':
          return this.getAtt(arg);
        case 'Fn::Join':
          return this.join(arg);
        case 'Fn::Select':
          return this.select(arg);
        case 'Fn::Split':
          return this.split(arg);
        case 'Fn::ImportValue':
          return this.importValue(arg);
        case 'Fn::Sub':
          return this.sub(arg);
        case 'Fn::Base64':
          return this.resolve(arg);
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item)]));
  }

  /** The resolved value as a string, or undefined if it is not one. */
  resolveString(value: unknown): string | undefined {
    const resolved = this.resolve(value);
    return typeof resolved === 'string' ? resolved : undefined;
  }

  private ref(target: string): unknown {
    switch (target) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return LAB_CLUSTER.region;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::AccountId':
        return PLACEHOLDER_ACCOUNT;
    }
    const resource = this.resources[target];
    // An OIDC provider's Ref is its ARN, and IRSA trust keys are cut out of that ARN.
    if (resource && OIDC_PROVIDER_TYPES.has(resource.Type)) return this.oidcProviderArn(resource);
    return `\${${target}}`;
  }

  private getAtt(arg: unknown): unknown {
    const [target, attribute] = typeof arg === 'string' ? splitOnce(arg, '.') : (arg as [string, string]);
    const resource = this.resources[target];
    if (resource?.Type === CFN_JSON_TYPE && attribute === 'Value') {
      // CfnJson turns a token-bearing object into JSON at deploy time; parse it back here.
      const json = this.resolve(resource.Properties?.Value);
      if (typeof json !== 'string') return json;
      try {
        return JSON.parse(json);
      } catch {
        return json;
      }
    }
    if (resource && OIDC_PROVIDER_TYPES.has(resource.Type) && attribute === 'Arn') return this.oidcProviderArn(resource);
    return `\${${target}.${attribute}}`;
  }

  private join(arg: unknown): unknown {
    const [separator, parts] = arg as [string, unknown];
    const resolved = this.resolve(parts);
    if (!Array.isArray(resolved)) return `\${Join}`;
    return resolved.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(separator);
  }

  private select(arg: unknown): unknown {
    const [index, list] = arg as [number | string, unknown];
    const resolved = this.resolve(list);
    return Array.isArray(resolved) ? resolved[Number(index)] : undefined;
  }

  private split(arg: unknown): unknown {
    const [separator, source] = arg as [string, unknown];
    const resolved = this.resolve(source);
    return typeof resolved === 'string' ? resolved.split(separator) : [resolved];
  }

  private importValue(arg: unknown): unknown {
    const name = this.resolve(arg);
    return this.imports[String(name)] ?? `\${Import:${String(name)}}`;
  }

  private sub(arg: unknown): unknown {
    const [template, variables] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    return template.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
      if (name in variables) return String(this.resolve(variables[name]));
      const resolved = name.includes('.') ? this.getAtt(name) : this.ref(name);
      return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
    });
  }

  private oidcProviderArn(resource: CfnResource): string {
    const url = this.resolveString(resource.Properties?.Url) ?? '';
    return `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:oidc-provider/${url.replace(/^https:\/\//, '')}`;
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** Every logical id a value refers to through `Ref`, `Fn::GetAtt` or `Fn::Sub`: CloudFormation's implicit dependencies. */
export function referencedLogicalIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedLogicalIds(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, arg] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof arg === 'string' && !arg.startsWith('AWS::')) into.add(arg);
      else if (key === 'Fn::GetAtt') into.add(typeof arg === 'string' ? splitOnce(arg, '.')[0] : String((arg as unknown[])[0]));
      else if (key === 'Fn::Sub') {
        const template = typeof arg === 'string' ? arg : String((arg as unknown[])[0]);
        for (const match of template.matchAll(/\$\{([^}!][^}.]*)[^}]*\}/g)) {
          if (!match[1].startsWith('AWS::')) into.add(match[1]);
        }
        if (Array.isArray(arg)) referencedLogicalIds(arg[1], into);
      } else referencedLogicalIds(arg, into);
    }
  }
  return into;
}
