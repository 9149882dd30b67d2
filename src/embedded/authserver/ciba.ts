import { errors, type CIBAEnabledConfiguration } from 'oidc-provider';
import { z } from 'zod';
import { isValidBindingMessage } from '../../approvals/binding-message.js';
import { checkBackchannelRate } from './ciba-throttle.js';

const LoginHint = z.object({ format: z.literal('iss_sub'), iss: z.string(), sub: z.string().min(1).max(255) }).strict();

/** How long a backchannel request waits for its user: requested_expiry, capped at 300 s like Auth0. */
export function cibaRequestTtl(ctx: { oidc?: { params?: { requested_expiry?: unknown } } } | undefined): number {
  const requested = Number(ctx?.oidc?.params?.requested_expiry);
  return Number.isSafeInteger(requested) && requested > 0 ? Math.min(requested, 300) : 300;
}

/**
 * CIBA in poll mode, as an Auth0 tenant offers it: the user is named by an `iss_sub` login_hint
 * (`{"format":"iss_sub","iss":"<issuer>","sub":"<user id>"}`), binding messages follow Auth0's rules
 * (at most 64 characters: letters, digits, space and + - _ . , : #). Nothing is pushed: the request
 * waits in the store until the user answers on the trusted-device page (/device) or the CLI.
 * A `sub` that names nobody is accepted like any other (see accounts.ts): the request simply never gets
 * an answer, so the endpoint does not tell which users exist.
 */
export const ciba: CIBAEnabledConfiguration = {
  enabled: true,
  deliveryModes: ['poll'],
  async processLoginHint(ctx, loginHint) {
    let parsed: z.infer<typeof LoginHint>;
    try {
      parsed = LoginHint.parse(JSON.parse(loginHint ?? ''));
    } catch {
      throw new errors.InvalidRequest('login_hint must be {"format":"iss_sub","iss":"<issuer>","sub":"<user id>"}');
    }
    if (parsed.iss.replace(/\/$/, '') !== (ctx.oidc.issuer ?? '').replace(/\/$/, '')) throw new errors.UnknownUserId('could not identify end-user');
    return parsed.sub;
  },
  async processLoginHintToken() {
    throw new errors.InvalidRequest('login_hint_token is not supported; use login_hint with format iss_sub');
  },
  async verifyUserCode(_ctx, _account, userCode) {
    if (userCode !== undefined) throw new errors.InvalidRequest('user_code is not supported');
  },
  async validateRequestContext(ctx) {
    checkBackchannelRate(ctx);
  },
  async validateBindingMessage(_ctx, bindingMessage) {
    if (bindingMessage !== undefined && !isValidBindingMessage(bindingMessage)) {
      throw new errors.InvalidBindingMessage('binding_message must be 1-64 characters: letters, digits, space and + - _ . , : #');
    }
  },
  async triggerAuthenticationDevice() {
    // Poll mode with a pull-style device: the pending request is listed on /device.
  },
};
