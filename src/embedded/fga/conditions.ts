/**
 * OpenFGA conditions evaluated with @marcbachmann/cel-js. Each model condition is compiled once into a
 * typed CEL environment (its declared parameters become typed variables); `ipaddress` with `in_cidr`
 * is added as a custom type. Evaluation follows openfga internal/condition: request context merged with
 * the tuple's context (the tuple wins), values cast to the declared types, undeclared keys ignored,
 * and a missing declared parameter is an error, never `false`.
 */
import { BlockList, isIP } from 'node:net';
import { Environment, Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { ConditionEvaluationError, FgaValidationError } from './errors.js';
import type { ConditionDefinition, ConditionParamType } from './model-types.js';

export class IPAddress {
  constructor(readonly address: string, readonly family: 'ipv4' | 'ipv6') {}
  /** As OpenFGA's in_cidr: netip.ParsePrefix rules (a prefix length is required), IPv4-mapped CIDRs unmapped. */
  inCidr(cidr: string): boolean {
    const malformed = () => new Error(`'${cidr}' is a malformed CIDR string`);
    const slash = cidr.lastIndexOf('/');
    if (slash === -1 || !/^\d{1,3}$/.test(cidr.slice(slash + 1))) throw malformed();
    const net = parseAddr(cidr.slice(0, slash));
    const v6Text = cidr.slice(0, slash).includes(':');
    let prefix = Number(cidr.slice(slash + 1));
    if (!net || prefix > (v6Text ? 128 : 32)) throw malformed();
    if (net.family === 'ipv4' && v6Text) {
      if (prefix < 96) return false;
      prefix -= 96;
    }
    if (net.family !== this.family) return false;
    const list = new BlockList();
    list.addSubnet(net.address, prefix, net.family);
    return list.check(this.address, this.family);
  }
  toString(): string {
    return this.address;
  }
}

/** Parses an address as Go's netip.ParseAddr does, unmapping IPv4-mapped IPv6 like OpenFGA; undefined when malformed. */
function parseAddr(v: string): IPAddress | undefined {
  const version = isIP(v);
  if (version === 0) return undefined;
  const mapped = version === 6 ? /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(v) : null;
  if (mapped) return new IPAddress(mapped[1], 'ipv4');
  return new IPAddress(v, version === 4 ? 'ipv4' : 'ipv6');
}

function parseIp(v: string): IPAddress {
  const ip = parseAddr(v);
  if (!ip) throw new Error(`expected a well-formed IP address, but found: '${v}'`);
  return ip;
}

/** OpenFGA's `ipaddress(string)` CEL function; a malformed address fails evaluation with Go's netip message. */
function ipaddressFunction(v: string): IPAddress {
  const ip = parseAddr(v);
  if (!ip) throw new Error(`ParseAddr(${JSON.stringify(v)}): unable to parse IP`);
  return ip;
}

function sameAddress(a: IPAddress, b: IPAddress): boolean {
  if (a.family !== b.family) return false;
  const list = new BlockList();
  list.addAddress(a.address, a.family);
  return list.check(b.address, b.family);
}

function celType(p: ConditionParamType): string {
  switch (p.type_name) {
    case 'TYPE_NAME_BOOL': return 'bool';
    case 'TYPE_NAME_STRING': return 'string';
    case 'TYPE_NAME_INT': return 'int';
    case 'TYPE_NAME_UINT': return 'uint';
    case 'TYPE_NAME_DOUBLE': return 'double';
    case 'TYPE_NAME_DURATION': return 'google.protobuf.Duration';
    case 'TYPE_NAME_TIMESTAMP': return 'google.protobuf.Timestamp';
    case 'TYPE_NAME_IPADDRESS': return 'ipaddress';
    case 'TYPE_NAME_MAP': return `map<string, ${celType(p.generic_types?.[0] ?? { type_name: 'TYPE_NAME_ANY' })}>`;
    case 'TYPE_NAME_LIST': return `list<${celType(p.generic_types?.[0] ?? { type_name: 'TYPE_NAME_ANY' })}>`;
    default: return 'dyn';
  }
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseGoDuration(v: string): Duration {
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(v);
  if (!m && v !== '0') throw new Error(`expected a valid duration string, but found: '${v}'`);
  let ms = 0;
  for (const part of v.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(part[1]) * DURATION_UNITS[part[2]];
  return Duration.fromMilliseconds(v.startsWith('-') ? -ms : ms);
}

function toNumber(v: unknown, kind: 'int' | 'uint' | 'double'): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`expected a ${kind} value, but found '${String(v)}'`);
  if (kind !== 'double' && !Number.isInteger(n)) throw new Error(`expected an ${kind} value, but found numeric value '${n}'`);
  if (kind === 'uint' && n < 0) throw new Error(`expected a uint value, but found int64 value '${n}'`);
  return n;
}

/** Casts one JSON value to the runtime value cel-js expects for the declared parameter type. */
export function castParam(p: ConditionParamType, v: unknown): unknown {
  switch (p.type_name) {
    case 'TYPE_NAME_BOOL':
      if (typeof v !== 'boolean') throw new Error(`expected type value 'bool', but found '${typeof v}'`);
      return v;
    case 'TYPE_NAME_STRING':
      if (typeof v !== 'string') throw new Error(`expected type value 'string', but found '${typeof v}'`);
      return v;
    case 'TYPE_NAME_INT': return BigInt(toNumber(v, 'int'));
    case 'TYPE_NAME_UINT': return new UnsignedInt(BigInt(toNumber(v, 'uint')));
    case 'TYPE_NAME_DOUBLE': return toNumber(v, 'double');
    case 'TYPE_NAME_DURATION':
      if (typeof v !== 'string') throw new Error(`expected a duration string, but found: '${String(v)}'`);
      return parseGoDuration(v);
    case 'TYPE_NAME_TIMESTAMP': {
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) {
        throw new Error(`expected RFC 3339 formatted timestamp string, but found '${String(v)}'`);
      }
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) throw new Error(`expected RFC 3339 formatted timestamp string, but found '${v}'`);
      return d;
    }
    case 'TYPE_NAME_IPADDRESS':
      if (v instanceof IPAddress) return v;
      if (typeof v !== 'string') throw new Error(`expected an ipaddress string, but found: '${String(v)}'`);
      return parseIp(v);
    case 'TYPE_NAME_MAP': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a map value');
      const inner = p.generic_types?.[0] ?? { type_name: 'TYPE_NAME_ANY' };
      const out = new Map<string, unknown>();
      for (const [k, x] of Object.entries(v)) out.set(k, castParam(inner, x));
      return out;
    }
    case 'TYPE_NAME_LIST': {
      if (!Array.isArray(v)) throw new Error('expected a list value');
      const inner = p.generic_types?.[0] ?? { type_name: 'TYPE_NAME_ANY' };
      return v.map((x) => castParam(inner, x));
    }
    default:
      return toDyn(v);
  }
}

function toDyn(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toDyn);
  if (v && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toDyn(x)]));
  return v;
}

/**
 * The CEL environment every condition starts from. As in cel-go (which OpenFGA uses), timestamps,
 * durations and ipaddresses are nullable: `x == null` type-checks and is false for any present value,
 * `x != null` true (an absent parameter stays a missing-parameter error). `ipaddress("...")` builds an
 * address from a string and two addresses compare equal when they are the same address.
 */
function baseEnvironment(): Environment {
  let env = new Environment({ homogeneousAggregateLiterals: false })
    .registerType('ipaddress', IPAddress)
    .registerFunction('ipaddress(string): ipaddress', ipaddressFunction)
    .registerFunction('ipaddress.in_cidr(string): bool', (ip: IPAddress, cidr: string) => ip.inCidr(cidr))
    .registerOperator('ipaddress == ipaddress', sameAddress);
  for (const nullable of ['google.protobuf.Duration', 'google.protobuf.Timestamp', 'ipaddress']) {
    env = env.registerOperator(`${nullable} == null`, (a: unknown, b: unknown) => a === b);
  }
  return env;
}

type Program = (ctx: Record<string, unknown>) => unknown;

export class CompiledCondition {
  private readonly program: Program;
  private readonly params: ReadonlyArray<[string, ConditionParamType]>;

  constructor(readonly definition: ConditionDefinition) {
    this.params = Object.entries(definition.parameters ?? {});
    let env = baseEnvironment();
    for (const [name, type] of this.params) env = env.registerVariable(name, celType(type));
    try {
      const parsed = env.parse(definition.expression);
      const checked = parsed.check();
      if (!checked.valid) throw checked.error ?? new Error('type check failed');
      if (checked.type !== 'bool' && checked.type !== 'dyn') throw new Error(`expected a bool condition expression output, but got '${checked.type}'`);
      this.program = parsed as unknown as Program;
    } catch (e) {
      throw new FgaValidationError(
        `failed to compile expression on condition '${definition.name}': ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  get parameterNames(): string[] {
    return this.params.map(([n]) => n);
  }

  /** Casts a context object to typed values; keys that are not parameters are reported in `unknown`. */
  cast(context: Record<string, unknown>): { values: Record<string, unknown>; unknown: string[] } {
    const values: Record<string, unknown> = {};
    const declared = new Set<string>();
    for (const [name, type] of this.params) {
      declared.add(name);
      if (!(name in context)) continue;
      try {
        values[name] = castParam(type, context[name]);
      } catch (e) {
        throw new ConditionEvaluationError(this.definition.name, `failed to convert context parameter '${name}': ${(e as Error).message}`);
      }
    }
    return { values, unknown: Object.keys(context).filter((k) => !declared.has(k)) };
  }

  evaluate(tupleContext: Record<string, unknown> | undefined, requestContext: Record<string, unknown> | undefined): boolean {
    const merged = { ...(requestContext ?? {}), ...(tupleContext ?? {}) };
    const { values } = this.cast(merged);
    const missing = this.params.filter(([n]) => !(n in values)).map(([n]) => n);
    if (missing.length > 0) {
      throw new ConditionEvaluationError(this.definition.name, `context is missing parameters '${missing.join(', ')}'`);
    }
    let out: unknown;
    try {
      out = this.program(values);
    } catch (e) {
      throw new ConditionEvaluationError(this.definition.name, `failed to evaluate condition expression: ${(e as Error).message}`);
    }
    if (typeof out !== 'boolean') throw new ConditionEvaluationError(this.definition.name, 'expected a bool condition result');
    return out;
  }
}
