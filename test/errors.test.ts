import { describe, expect, expectTypeOf, it } from 'vitest';
import * as errors from '../src/errors.js';
import * as entry from '../src/index.js';
import type { AnyGatehouseError, GatehouseError, GatehouseErrorCode } from '../src/index.js';

type ErrorClass = (abstract new (...args: never[]) => GatehouseError) & { readonly code: GatehouseErrorCode };

/** One instance of every concrete class, built as the code that throws it builds it. */
const make: Record<string, () => GatehouseError> = {
  InvalidRequestError: () => new errors.InvalidRequestError('bad input'),
  InvalidTokenError: () => new errors.InvalidTokenError('bad token'),
  InsufficientScopeError: () => new errors.InsufficientScopeError(['docs:read']),
  ForbiddenError: () => new errors.ForbiddenError('no'),
  CallerNotServedError: () => new errors.CallerNotServedError('not for machines'),
  RateLimitedError: () => new errors.RateLimitedError(30),
  BudgetExceededError: () => new errors.BudgetExceededError('over budget'),
  NotFoundError: () => new errors.NotFoundError('no such thing'),
  NotConnectedError: () => new errors.NotConnectedError('google-oauth2', 'http://127.0.0.1:1/connect/google-oauth2?ticket=t'),
  ConnectionScopeMissingError: () => new errors.ConnectionScopeMissingError('google-oauth2', ['calendar'], 'http://127.0.0.1:1/connect/google-oauth2?ticket=t'),
  ApprovalRequiredError: () => new errors.ApprovalRequiredError('needs a person'),
  ApprovalPendingError: () => new errors.ApprovalPendingError('a1', new Date('2030-01-01T00:00:00Z'), 'Send mail'),
  ApprovalDeniedError: () => new errors.ApprovalDeniedError('denied', { approvalId: 'a1' }),
  ApprovalExpiredError: () => new errors.ApprovalExpiredError('expired', { approvalId: 'a1' }),
  ApprovalInvalidError: () => new errors.ApprovalInvalidError('invalid', { approvalId: 'a1' }),
  ApprovalConsumedError: () => new errors.ApprovalConsumedError('used', { approvalId: 'a1' }),
  ApprovalInterruptedError: () => new errors.ApprovalInterruptedError('interrupted', { approvalId: 'a1' }),
  ProviderError: () => new errors.ProviderError('provider said no'),
  UpstreamUnavailableError: () => new errors.UpstreamUnavailableError('down'),
  AuthorizationUnavailableError: () => new errors.AuthorizationUnavailableError('fga down'),
  VaultUnavailableError: () => new errors.VaultUnavailableError('vault down'),
  ShutdownError: () => new errors.ShutdownError('cut by shutdown'),
  UpstreamTimeoutError: () => new errors.UpstreamTimeoutError('fga', 'too slow'),
  CircuitOpenError: () => new errors.CircuitOpenError('fga', 'circuit open'),
  UpstreamOverloadedError: () => new errors.UpstreamOverloadedError('fga', 'too many waiting'),
  AuditUnavailableError: () => new errors.AuditUnavailableError('not audited'),
  InternalError: () => new errors.InternalError('bug'),
};

/** The exported classes that extend GatehouseError, found by walking the module, not listed by hand. */
function errorClasses(mod: Record<string, unknown>): [string, ErrorClass][] {
  return Object.entries(mod).filter(
    (e): e is [string, ErrorClass] => typeof e[1] === 'function' && e[1] !== errors.GatehouseError && e[1].prototype instanceof errors.GatehouseError,
  );
}
const concrete = errorClasses(errors).filter(([name]) => name !== 'ApprovalError');

describe('typed errors, like jose: one base class, a static code per class, one union of codes', () => {
  it('every concrete class in src/errors.ts has a factory here (a new class cannot escape the checks below)', () => {
    expect(concrete.map(([n]) => n).sort()).toEqual(Object.keys(make).sort());
  });

  it.each(concrete)('%s: static code equals the code of its instances, which are Error and GatehouseError with the class name', (name, cls) => {
    const e = make[name]!();
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(errors.GatehouseError);
    expect(e).toBeInstanceOf(Error);
    expect(typeof cls.code).toBe('string');
    expect(e.code).toBe(cls.code);
    expect(e.name).toBe(name);
    expect(errors.isGatehouseError(e)).toBe(true);
  });

  it('codes are unique: no two classes share one', () => {
    const codes = concrete.map(([, c]) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('every code in the union has exactly one class, and every class code is in the union', () => {
    expect(concrete.map(([, c]) => c.code).sort()).toEqual([...errors.GATEHOUSE_ERROR_CODES].sort());
    expect(new Set(errors.GATEHOUSE_ERROR_CODES).size).toBe(errors.GATEHOUSE_ERROR_CODES.length);
  });

  it('the abstract bases carry no code of their own; approval outcomes share the ApprovalError base and keep their approvalId', () => {
    expect(Object.hasOwn(errors.GatehouseError, 'code')).toBe(false);
    expect(Object.hasOwn(errors.ApprovalError, 'code')).toBe(false);
    const approvals = concrete.filter(([, c]) => c.prototype instanceof errors.ApprovalError).map(([, c]) => c.code);
    expect(approvals.sort()).toEqual(errors.GATEHOUSE_ERROR_CODES.filter((c) => c.startsWith('approval_')).sort());
    expect(make.ApprovalDeniedError!()).toMatchObject({ code: 'approval_denied', approvalId: 'a1' });
  });

  it('the public entry exposes the base, every class (the same objects), the list of codes and the guard', () => {
    expect(entry.GatehouseError).toBe(errors.GatehouseError);
    expect(entry.ApprovalError).toBe(errors.ApprovalError);
    expect(entry.GATEHOUSE_ERROR_CODES).toBe(errors.GATEHOUSE_ERROR_CODES);
    expect(entry.isGatehouseError).toBe(errors.isGatehouseError);
    for (const [name, cls] of concrete) expect((entry as Record<string, unknown>)[name], name).toBe(cls);
  });

  it('types: the union of codes is exactly the codes of AnyGatehouseError, and code narrows to the class', () => {
    expectTypeOf<AnyGatehouseError['code']>().toEqualTypeOf<GatehouseErrorCode>();
    expectTypeOf<typeof errors.RateLimitedError.code>().toEqualTypeOf<'rate_limited'>();
    expectTypeOf<errors.RateLimitedError['code']>().toEqualTypeOf<'rate_limited'>();
    const e = make.RateLimitedError!() as AnyGatehouseError;
    if (e.code === 'rate_limited') expectTypeOf(e).toEqualTypeOf<errors.RateLimitedError>();
    expect(e.code === 'rate_limited' && e.retryAfterSeconds).toBe(30);
  });
});
