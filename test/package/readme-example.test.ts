import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The README's "Your own tools" example must be the file the packed-tarball test installs and runs. */
describe('README example', () => {
  it('is, line for line after its first comment, test/package/fixtures/my-server.ts', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Your own tools'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block, 'a ts code block under "### Your own tools"').toBeDefined();
    const fixture = readFileSync(new URL('./fixtures/my-server.ts', import.meta.url), 'utf8');
    const body = (s: string) => s.trim().split('\n').slice(1).join('\n');
    expect(body(block!)).toBe(body(fixture));
  });
});
