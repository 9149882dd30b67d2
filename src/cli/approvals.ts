import { z } from 'zod';
import { multiLine, quoted, singleLine as one } from '../approvals/sanitize-text.js';
import { signInEndpoints } from '../app/resolve-backends.js';
import { loadConfig } from '../config.js';
import { CookieJar } from '../embedded/authserver/cookie-jar.js';
import { DEMO_USERS, findDemoUser } from '../embedded/seed/users.js';
import { flags, UsageError } from './args.js';

const Pending = z.object({
  id: z.string(),
  clientName: z.string(),
  bindingMessage: z.string().optional(),
  details: z.array(
    z
      .object({
        instruction: z.string(),
        properties: z.record(z.string(), z.object({ display: z.boolean(), name: z.string(), display_order: z.number(), value: z.string() }).loose()),
      })
      .loose(),
  ),
  /** The full approval text, when the server holds it (every recipient, the whole body). */
  text: z
    .object({
      rows: z.array(z.object({ label: z.string(), kind: z.enum(['fact', 'text', 'list']), value: z.string(), items: z.array(z.string()).optional(), multiline: z.boolean().optional() }).loose()),
    })
    .loose()
    .optional(),
  expiresAt: z.string(),
});
const ListBody = z.object({ user: z.string(), csrf: z.string(), requests: z.array(Pending) });
const DecideBody = z.object({ id: z.string(), result: z.enum(['approved', 'denied', 'not_found']) });

export type PendingApproval = z.infer<typeof Pending>;

/**
 * The user's trusted device, from a terminal: signs in to the embedded authorization server's /device
 * page as the user (same form, same CSRF and session cookie a browser gets) and uses its JSON answers.
 * It can only see and answer that user's own requests.
 */
export class DeviceClient {
  private constructor(
    private readonly issuer: string,
    private readonly jar: CookieJar,
  ) {}

  static async login(issuer: string, user: string, password: string): Promise<DeviceClient> {
    const jar = new CookieJar();
    const page = await fetch(new URL('/device/login', issuer), { redirect: 'manual' });
    jar.store(page);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    if (!csrf) throw new Error('the device page did not offer a sign-in form');
    const res = await fetch(new URL('/device/login', issuer), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, username: user, password }).toString(),
    });
    jar.store(res);
    if (res.status !== 303) throw new Error(`sign-in as ${user} failed`);
    return new DeviceClient(issuer, jar);
  }

  async list(): Promise<z.infer<typeof ListBody>> {
    const res = await fetch(new URL('/device', this.issuer), { headers: { cookie: this.jar.header(), accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`listing requests failed (HTTP ${res.status})`);
    return ListBody.parse(await res.json());
  }

  async decide(id: string, decision: 'approve' | 'deny'): Promise<z.infer<typeof DecideBody>['result']> {
    const { csrf } = await this.list();
    const res = await fetch(new URL('/device/decide', this.issuer), {
      method: 'POST',
      headers: { cookie: this.jar.header(), accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, id, decision }).toString(),
    });
    return DecideBody.parse(await res.json()).result;
  }
}

/**
 * A request as `list` prints it: code and instruction, then the full approval text when the server
 * holds it (free text quoted, a multi-line body indented line by line), else the displayed RAR
 * properties in their order (what Guardian shows).
 */
export function describePending(r: PendingApproval): string {
  const d = r.details[0];
  // Everything printed comes from the server's JSON: cleaned again so no control sequence reaches the terminal.
  const lines = [`${one(r.id)}  ${one(r.bindingMessage ?? '')}`, `    ${one(d?.instruction ?? '(sign-in request)')}  [${one(r.clientName)}, expires ${one(r.expiresAt)}]`];
  if (r.text) {
    for (const row of r.text.rows) {
      const label = one(row.label);
      if (row.kind === 'list') lines.push(`    ${label}: ${(row.items ?? [row.value]).map(one).join(', ')}`);
      else if (row.kind === 'text' && row.multiline) lines.push(`    ${label}:`, ...multiLine(row.value).split('\n').map((l) => `      | ${l}`));
      else if (row.kind === 'text') lines.push(`    ${label}: ${quoted(one(row.value))}`);
      else lines.push(`    ${label}: ${one(row.value)}`);
    }
    if (d?.properties.tool) lines.push(`    Tool: ${one(d.properties.tool.value)}`);
  } else {
    for (const p of Object.values(d?.properties ?? {}).filter((p) => p.display).sort((a, b) => a.display_order - b.display_order)) {
      lines.push(`    ${one(p.name)}: ${one(p.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `gatehouse approvals list|approve|deny --user <id> [--id <id>]`: embedded mode, act as the user's trusted device. */
export async function approvalsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = flags(argv, { user: { type: 'string' }, id: { type: 'string' } });
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'list' && action !== 'approve' && action !== 'deny')) {
    throw new UsageError('usage: gatehouse approvals list|approve|deny --user <id> [--id <approval request id>]');
  }
  const config = loadConfig(process.env);
  const endpoints = signInEndpoints(config);
  if (!endpoints) throw new UsageError('only for the embedded authorization server (with Auth0, approve in Guardian on your phone)');
  const user = values.user ? findDemoUser(values.user) : undefined;
  if (!user) throw new UsageError(`--user must be one of ${DEMO_USERS.map((u) => u.id).join(', ')}`);
  const { issuer } = endpoints;
  let device: DeviceClient;
  try {
    device = await DeviceClient.login(issuer, user.id, user.password);
  } catch (e) {
    if (e instanceof TypeError) {
      process.stderr.write(`gatehouse approvals: cannot reach the authorization server at ${issuer}; start it with \`npm start\` first\n`);
      return 1;
    }
    throw e;
  }
  const { requests } = await device.list();
  if (action === 'list') {
    if (!requests.length) process.stdout.write(`no approval requests waiting for ${user.id}\n`);
    for (const r of requests) process.stdout.write(describePending(r));
    return 0;
  }
  let id = values.id;
  if (!id) {
    if (requests.length === 0) {
      process.stderr.write(`gatehouse approvals: no approval requests waiting for ${user.id}\n`);
      return 1;
    }
    if (requests.length !== 1) {
      process.stderr.write(`gatehouse approvals: ${requests.length} requests wait for ${user.id}; name one with --id (see \`gatehouse approvals list --user ${user.id}\`)\n`);
      return 1;
    }
    id = requests[0]!.id;
  }
  const result = await device.decide(id, action);
  if (result === 'not_found') {
    process.stderr.write(`gatehouse approvals: no request ${id} waits for ${user.id} (answered, expired or not theirs)\n`);
    return 1;
  }
  process.stdout.write(`${result}: ${id}\n`);
  return 0;
}
