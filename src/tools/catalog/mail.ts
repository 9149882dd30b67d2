import { z } from 'zod';
import { defineTool } from '../define.js';
import { connectionOf, GOOGLE, GOOGLE_SCOPE, parseGoogle } from './google-api.js';

const headerText = z.string().trim().min(1).max(200).refine((s) => !/[\r\n]/.test(s), 'must be one line');

/** send_email: send a plain-text email from the caller's own connected Gmail; every send is approved by a human. */
export const sendEmail = defineTool({
  name: 'send_email',
  title: 'Send an email',
  description: 'Send a plain-text email from your connected Gmail account. Each send asks you for approval on your trusted device first.',
  input: z
    .object({
      to: z.array(z.email()).min(1).max(20),
      subject: headerText,
      body: z.string().min(1).max(20_000),
    })
    .strict(),
  scopes: ['email:send'],
  risk: 'high',
  callers: ['user'],
  rateLimit: { perMinute: 10 },
  approval: 'always',
  connection: { connection: GOOGLE, scopes: [GOOGLE_SCOPE.gmailSend] },
  describeApproval: ({ to, subject, body }) => ({
    verb: 'Email',
    instruction: 'Approve sending an email from your Gmail account',
    recipients: { label: 'Recipients', addresses: to },
    texts: [
      { key: 'subject', label: 'Subject', text: subject },
      { key: 'body', label: 'Body', text: body, multiline: true },
    ],
  }),
  async run({ to, subject, body }, ctx) {
    const google = connectionOf(ctx);
    const response = await google.fetch('gmail/v1/users/me/messages/send', { method: 'POST', body: { raw: rfc2822(to, subject, body) } });
    const sent = await parseGoogle(response, z.object({ id: z.string(), threadId: z.string().optional() }));
    return { text: `Sent "${subject}" to ${to.join(', ')} (message id ${sent.id}).`, structured: { messageId: sent.id, to, subject } };
  },
});

/** A minimal RFC 2822 / MIME text message, base64url-encoded as Gmail's `raw` expects. */
export function rfc2822(to: readonly string[], subject: string, body: string): string {
  const encodedSubject = /^[\x20-\x7e]*$/.test(subject) ? subject : `=?UTF-8?B?${Buffer.from(subject, 'utf8').toString('base64')}?=`;
  const lines = [
    `To: ${to.join(', ')}`,
    `Subject: ${encodedSubject}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(body, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n'),
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8').toString('base64url');
}
