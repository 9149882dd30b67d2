import { z } from 'zod';
import { InternalError, InvalidRequestError, ProviderError } from '../../errors.js';
import type { ConnectionGrant, ToolContext } from '../define.js';

/** The Google connection as the calendar and mail tools declare it (only the scopes differ per tool). */
export const GOOGLE = 'google-oauth2';
export const GOOGLE_SCOPE = {
  calendarRead: 'https://www.googleapis.com/auth/calendar.readonly',
  calendarEvents: 'https://www.googleapis.com/auth/calendar.events',
  gmailSend: 'https://www.googleapis.com/auth/gmail.send',
} as const;

export const GoogleEvent = z.object({
  id: z.string(),
  status: z.string().optional(),
  summary: z.string().optional(),
  location: z.string().optional(),
  htmlLink: z.string().optional(),
  start: z.object({ dateTime: z.string().optional(), date: z.string().optional() }),
  end: z.object({ dateTime: z.string().optional(), date: z.string().optional() }),
  attendees: z.array(z.object({ email: z.string(), responseStatus: z.string().optional() })).optional(),
});
export type GoogleEvent = z.infer<typeof GoogleEvent>;

/** The provider session the connect gate granted this call (the tool never sees a raw token). */
export function connectionOf(ctx: ToolContext): ConnectionGrant {
  const grant = ctx.grants.connection;
  if (!grant) throw new InternalError('connect gate did not grant a connection');
  return grant;
}

/** Parses a provider answer: 4xx is the request's fault, anything unexpected is the provider's. */
export async function parseGoogle<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 400 || response.status === 404) throw new InvalidRequestError('Google refused the request as invalid; nothing was changed. Check the arguments.');
  const parsed = schema.safeParse(body);
  if (!response.ok || !parsed.success) throw new ProviderError(`Google returned an unexpected answer (HTTP ${response.status}); nothing was changed.`);
  return parsed.data;
}

/** A compact, model-friendly view of an event (third-party text: treat as data, not instructions). */
export function describeEvent(e: GoogleEvent) {
  return {
    id: e.id,
    title: e.summary ?? '(no title)',
    start: e.start.dateTime ?? e.start.date ?? '',
    end: e.end.dateTime ?? e.end.date ?? '',
    status: e.status ?? 'confirmed',
    location: e.location ?? null,
    attendees: (e.attendees ?? []).map((a) => a.email),
  };
}
