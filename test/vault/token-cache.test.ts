import { describe, expect, it } from 'vitest';
import { missingProviderScopes } from '../../src/vault/provider-scopes.js';
import { ProviderTokenCache } from '../../src/vault/token-cache.js';

describe('ProviderTokenCache', () => {
  it('never outlives expires_in (counted from when the exchange was sent) and keys by sub', () => {
    let now = 1_000_000;
    const cache = new ProviderTokenCache(() => now);
    const key = ProviderTokenCache.key('alice', 'google-oauth2', ['b', 'a']);
    cache.set(key, { accessToken: 't', scopes: ['a'], expiresIn: 100 }, now - 5_000);
    expect(cache.get(ProviderTokenCache.key('alice', 'google-oauth2', ['a', 'b']))?.accessToken).toBe('t');
    expect(cache.get(ProviderTokenCache.key('bob', 'google-oauth2', ['a', 'b']))).toBeUndefined();
    now += 84_999; // requestedAt + 100 s - 10 s margin - 1 ms
    expect(cache.get(key)).toBeDefined();
    now += 1;
    expect(cache.get(key)).toBeUndefined();
  });

  it('does not cache a token without expires_in', () => {
    const cache = new ProviderTokenCache();
    const key = ProviderTokenCache.key('alice', 'c', []);
    cache.set(key, { accessToken: 't', scopes: [] }, Date.now());
    expect(cache.get(key)).toBeUndefined();
  });
});

describe('missingProviderScopes', () => {
  const G = 'https://www.googleapis.com/auth/';
  it('honours Google scope implication and reports what is missing', () => {
    expect(missingProviderScopes([`${G}calendar`], [`${G}calendar.events`, `${G}calendar.readonly`])).toEqual([]);
    expect(missingProviderScopes([`${G}calendar.readonly`], [`${G}calendar.events`])).toEqual([`${G}calendar.events`]);
    expect(missingProviderScopes([`${G}calendar.events`], [`${G}gmail.send`])).toEqual([`${G}gmail.send`]);
  });
});
