import { describe, expect, it } from 'vitest';
import { checkHostOrigin, hostNamesFor } from '../../src/http/host-origin.js';

describe('hostNamesFor / checkHostOrigin (every port)', () => {
  it('a loopback bind answers to the loopback names at its port only', () => {
    const names = hostNamesFor('127.0.0.1', 8787, []);
    expect([...names].sort()).toEqual(['127.0.0.1:8787', '[::1]:8787', 'localhost:8787']);
    expect(checkHostOrigin({ host: 'evil.example:8787' }, names, new Set())).toBe('bad_host');
    expect(checkHostOrigin({ host: 'localhost:8788' }, names, new Set())).toBe('bad_host');
  });

  it('a wildcard bind answers to the loopback names and configured names, never to an arbitrary Host', () => {
    for (const bind of ['0.0.0.0', '::']) {
      const names = hostNamesFor(bind, 8787, ['mcp.example.com']);
      expect(checkHostOrigin({ host: '127.0.0.1:8787' }, names, new Set())).toBe('ok');
      expect(checkHostOrigin({ host: 'mcp.example.com' }, names, new Set())).toBe('ok');
      expect(checkHostOrigin({ host: 'rebind.evil.example:8787' }, names, new Set())).toBe('bad_host');
      expect(checkHostOrigin({ host: '0.0.0.0:8787' }, names, new Set())).toBe('bad_host');
    }
  });

  it('a named bind answers to that name only', () => {
    const names = hostNamesFor('10.1.2.3', 8787, []);
    expect([...names]).toEqual(['10.1.2.3:8787']);
  });

  it('an Origin must be allowed or a loopback page', () => {
    const names = hostNamesFor('127.0.0.1', 8787, []);
    expect(checkHostOrigin({ host: '127.0.0.1:8787', origin: 'http://localhost:6274' }, names, new Set())).toBe('ok');
    expect(checkHostOrigin({ host: '127.0.0.1:8787', origin: 'https://evil.example' }, names, new Set())).toBe('bad_origin');
    expect(checkHostOrigin({ host: '127.0.0.1:8787', origin: 'https://app.example' }, names, new Set(['https://app.example']))).toBe('ok');
  });
});
