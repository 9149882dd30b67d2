import { describe, expect, it } from 'vitest';
import { CompiledCondition } from '../../../src/embedded/fga/conditions.js';
import { FgaValidationError } from '../../../src/embedded/fga/errors.js';

const cond = (expression: string, parameters: Record<string, unknown>) =>
  new CompiledCondition({ name: 'c', expression, parameters: parameters as never });

describe('conditions (CEL)', () => {
  it('compares ints, doubles and strings', () => {
    expect(cond('x < 100', { x: { type_name: 'TYPE_NAME_INT' } }).evaluate({}, { x: 5 })).toBe(true);
    expect(cond('x < 100', { x: { type_name: 'TYPE_NAME_INT' } }).evaluate({ x: 500 }, { x: 5 })).toBe(false);
    expect(cond('x > 0.0', { x: { type_name: 'TYPE_NAME_DOUBLE' } }).evaluate({}, { x: 0.5 })).toBe(true);
    expect(cond('s == "hello"', { s: { type_name: 'TYPE_NAME_STRING' } }).evaluate({ s: 'hello' }, {})).toBe(true);
  });
  it('handles timestamps and durations', () => {
    const c = cond('current_time < grant_time + grant_duration', {
      current_time: { type_name: 'TYPE_NAME_TIMESTAMP' },
      grant_time: { type_name: 'TYPE_NAME_TIMESTAMP' },
      grant_duration: { type_name: 'TYPE_NAME_DURATION' },
    });
    expect(c.evaluate({ grant_time: '2024-01-01T00:00:00Z', grant_duration: '1h' }, { current_time: '2024-01-01T00:30:00Z' })).toBe(true);
    expect(c.evaluate({ grant_time: '2024-01-01T00:00:00Z', grant_duration: '1h' }, { current_time: '2024-01-01T02:00:00Z' })).toBe(false);
  });
  it('handles ipaddress in_cidr, maps, lists and uint', () => {
    const ip = cond('user_ip.in_cidr(cidr)', { user_ip: { type_name: 'TYPE_NAME_IPADDRESS' }, cidr: { type_name: 'TYPE_NAME_STRING' } });
    expect(ip.evaluate({ cidr: '192.168.0.0/24' }, { user_ip: '192.168.0.7' })).toBe(true);
    expect(ip.evaluate({ cidr: '192.168.0.0/24' }, { user_ip: '10.0.0.1' })).toBe(false);
    const m = cond('m["k"] == "v" && "a" in l && u > 3u', {
      m: { type_name: 'TYPE_NAME_MAP', generic_types: [{ type_name: 'TYPE_NAME_STRING' }] },
      l: { type_name: 'TYPE_NAME_LIST', generic_types: [{ type_name: 'TYPE_NAME_STRING' }] },
      u: { type_name: 'TYPE_NAME_UINT' },
    });
    expect(m.evaluate({}, { m: { k: 'v' }, l: ['a', 'b'], u: 4 })).toBe(true);
  });
  it('a missing parameter is an error, not false', () => {
    expect(() => cond('x < 100', { x: { type_name: 'TYPE_NAME_INT' } }).evaluate({}, {})).toThrow(FgaValidationError);
  });
  it('rejects an expression that does not type-check', () => {
    expect(() => cond('x + "a"', { x: { type_name: 'TYPE_NAME_INT' } })).toThrow(FgaValidationError);
  });
  it('compares durations, timestamps and ipaddresses with null as cel-go does: a present value is never null', () => {
    for (const [type, value] of [
      ['TYPE_NAME_DURATION', '1h'],
      ['TYPE_NAME_TIMESTAMP', '2024-01-01T00:00:00Z'],
      ['TYPE_NAME_IPADDRESS', '10.0.0.1'],
    ] as const) {
      const params = { x: { type_name: type } };
      expect(cond('x == null', params).evaluate({}, { x: value })).toBe(false);
      expect(cond('x != null', params).evaluate({}, { x: value })).toBe(true);
      expect(cond('null != x', params).evaluate({ x: value }, {})).toBe(true);
      // Absent is not null: OpenFGA reports the missing parameter.
      expect(() => cond('x == null', params).evaluate({}, {})).toThrow(/context is missing parameters 'x'/);
      expect(() => cond('x != null', params).evaluate({}, {})).toThrow(FgaValidationError);
      // A JSON null is no value of these types: a conversion error, never a null that `x == null` would match.
      expect(() => cond('x == null', params).evaluate({}, { x: null })).toThrow(/failed to convert context parameter 'x'/);
      expect(() => cond('x == null', params).evaluate({ x: null }, {})).toThrow(FgaValidationError);
    }
  });
  it('builds addresses with ipaddress("...") and fails evaluation on a malformed one', () => {
    const none = {};
    expect(cond('ipaddress("10.1.2.3").in_cidr("10.0.0.0/8")', none).evaluate({}, {})).toBe(true);
    expect(cond('ipaddress("192.168.1.1").in_cidr("10.0.0.0/8")', none).evaluate({}, {})).toBe(false);
    expect(cond('ipaddress("::ffff:10.1.2.3").in_cidr("10.0.0.0/8")', none).evaluate({}, {})).toBe(true);
    const ip = { ip: { type_name: 'TYPE_NAME_IPADDRESS' } };
    expect(cond('ip == ipaddress("10.0.0.1")', ip).evaluate({}, { ip: '10.0.0.1' })).toBe(true);
    expect(cond('ip == ipaddress("10.0.0.1")', ip).evaluate({}, { ip: '10.0.0.2' })).toBe(false);
    const bad = cond('ipaddress("not-an-ip").in_cidr("10.0.0.0/8")', none);
    expect(() => bad.evaluate({}, {})).toThrow(FgaValidationError);
    expect(() => bad.evaluate({}, {})).toThrow(
      "failed to evaluate relationship condition 'c': failed to evaluate condition expression: ParseAddr(\"not-an-ip\"): unable to parse IP",
    );
    expect(() => cond('ip.in_cidr("10.0.0.0")', ip).evaluate({}, { ip: '10.0.0.1' })).toThrow("'10.0.0.0' is a malformed CIDR string");
    expect(() => cond('ipaddress(1).in_cidr("10.0.0.0/8")', none)).toThrow(FgaValidationError);
  });
});
