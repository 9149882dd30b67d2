import express, { type Router } from 'express';
import { z } from 'zod';
import type { ProviderData } from './calendar-store.js';
import { googleError, requireGoogleScope } from './google-api-auth.js';
import type { ProviderTokens } from './provider-tokens.js';

const G = 'https://www.googleapis.com/auth/';
const SEND = [`${G}gmail.send`, `${G}gmail.compose`, `${G}gmail.modify`, 'https://mail.google.com/'];
const SendBody = z.object({ raw: z.string().min(1).max(5_000_000).regex(/^[A-Za-z0-9_-]+=*$/), threadId: z.string().optional() });

/** Gmail API v1 subset: users.messages.send with a base64url RFC 2822 message in `raw`. */
export function gmailRouter(deps: { tokens: ProviderTokens; data: ProviderData }): Router {
  const router = express.Router();
  router.post('/gmail/v1/users/:userId/messages/send', requireGoogleScope(deps.tokens, SEND), express.json({ limit: '8mb' }), (req, res) => {
    const me = res.locals.google!.email;
    if (req.params.userId !== 'me' && req.params.userId !== me) return googleError(res, 403, 'PERMISSION_DENIED', 'Delegation denied for ' + me);
    const b = SendBody.safeParse(req.body);
    if (!b.success) return googleError(res, 400, 'INVALID_ARGUMENT', "'raw' RFC822 payload message string or uploading message via /upload/* URL required", 'invalidArgument');
    const message = Buffer.from(b.data.raw, 'base64url').toString('utf8');
    const headerEnd = message.search(/\r?\n\r?\n/);
    const headers = headerEnd < 0 ? message : message.slice(0, headerEnd);
    if (!/^to:\s*\S+/im.test(headers)) return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid To header', 'invalidArgument');
    const sent = deps.data.send(me, b.data.raw);
    res.json({ id: sent.id, threadId: sent.threadId, labelIds: ['SENT'] });
  });
  return router;
}
