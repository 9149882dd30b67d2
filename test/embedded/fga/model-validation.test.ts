import { describe, expect, it } from 'vitest';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { validateModel } from '../../../src/embedded/fga/model-validation.js';
import type { FgaError } from '../../../src/embedded/fga/errors.js';

function errorOf(dsl: string): { code: string; message: string } | undefined {
  try {
    validateModel(dslToModel(dsl));
    return undefined;
  } catch (e) {
    return { code: (e as FgaError).code, message: (e as Error).message };
  }
}

const header = 'model\n  schema 1.1\ntype user\n';

describe('model validation', () => {
  it('accepts a valid model with conditions and TTU whose tupleset is conditional', () => {
    expect(
      errorOf(`${header}type folder\n  relations\n    define viewer: [user]\ntype doc\n  relations\n    define parent: [folder with c]\n    define viewer: viewer from parent\ncondition c(x: int) {\n  x < 1\n}\n`),
    ).toBeUndefined();
  });

  it.each([
    ['an undefined computed relation', `${header}type doc\n  relations\n    define viewer: editor\n`, /relation 'editor' does not exist/],
    ['an undefined type restriction', `${header}type doc\n  relations\n    define viewer: [team]\n`, /type 'team'/],
    ['a userset restriction on an undefined relation', `${header}type doc\n  relations\n    define viewer: [user#member]\n`, /user#member/],
    ['a tupleset that is not directly assignable', `${header}type doc\n  relations\n    define owner: [user]\n    define parent: owner\n    define viewer: viewer from parent\n`, /tupleset relation/],
    ['relations without an entrypoint', `${header}type doc\n  relations\n    define a: b\n    define b: a\n`, /no entrypoint/],
    ['an undefined condition', `${header}type doc\n  relations\n    define viewer: [user with nope]\n`, /condition 'nope'/],
    ['a condition that does not compile', `${header}type doc\n  relations\n    define viewer: [user with c]\ncondition c(x: int) {\n  x + "a"\n}\n`, /compile/],
  ])('rejects %s with invalid_authorization_model', (_what, dsl, message) => {
    const err = errorOf(dsl);
    expect(err?.code).toBe('invalid_authorization_model');
    expect(err?.message).toMatch(message);
  });

  it('rejects schema 1.0 with validation_error', () => {
    const model = dslToModel(`${header}type doc\n  relations\n    define viewer: [user]\n`);
    expect(() => validateModel({ ...model, schema_version: '1.0' })).toThrow(/schema version/);
  });
});
