import express, { type Router } from 'express';
import { z } from 'zod';
import type { CalendarEvent, ProviderData } from './calendar-store.js';
import { googleError, requireGoogleScope } from './google-api-auth.js';
import type { ProviderTokens } from './provider-tokens.js';

const G = 'https://www.googleapis.com/auth/';
const READ = [`${G}calendar.readonly`, `${G}calendar.events`, `${G}calendar`, `${G}calendar.events.readonly`];
const WRITE = [`${G}calendar.events`, `${G}calendar`];
const FREEBUSY = [`${G}calendar.readonly`, `${G}calendar`, `${G}calendar.freebusy`, `${G}calendar.events`];

const rfc3339 = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)));
const ListQuery = z.object({ timeMin: rfc3339.optional(), timeMax: rfc3339.optional(), maxResults: z.coerce.number().int().min(1).max(2500).optional() }).loose();
const EventTime = z.object({ dateTime: rfc3339, timeZone: z.string().optional() });
const InsertBody = z.object({
  summary: z.string().min(1).max(1024),
  description: z.string().max(8192).optional(),
  location: z.string().max(1024).optional(),
  start: EventTime,
  end: EventTime,
  attendees: z.array(z.object({ email: z.email() })).max(100).optional(),
  status: z.enum(['confirmed', 'tentative']).optional(),
});
const FreeBusyBody = z.object({ timeMin: rfc3339, timeMax: rfc3339, items: z.array(z.object({ id: z.string() })).min(1).max(50) });

/** Subsets of Google Calendar API v3: events.list, events.insert (primary calendar) and freebusy.query. */
export function googleCalendarRouter(deps: { tokens: ProviderTokens; data: ProviderData }): Router {
  const router = express.Router();
  const calendarOf = (id: unknown, email: string) => (id === 'primary' || id === email ? email : undefined);

  router.get('/calendar/v3/calendars/:calendarId/events', requireGoogleScope(deps.tokens, READ), (req, res) => {
    const me = res.locals.google!.email;
    const calendar = calendarOf(req.params.calendarId, me);
    if (!calendar) return googleError(res, 404, 'NOT_FOUND', 'Not Found');
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return googleError(res, 400, 'INVALID_ARGUMENT', 'Bad Request', 'badRequest');
    const min = q.data.timeMin ? Date.parse(q.data.timeMin) : undefined;
    const max = q.data.timeMax ? Date.parse(q.data.timeMax) : undefined;
    if (min !== undefined && max !== undefined && max <= min) return googleError(res, 400, 'INVALID_ARGUMENT', 'The specified time range is empty.', 'timeRangeEmpty');
    const items = deps.data.list(calendar, min, max).slice(0, q.data.maxResults ?? 250);
    res.json({ kind: 'calendar#events', summary: me, updated: new Date().toISOString(), timeZone: 'UTC', accessRole: 'owner', items: items.map((e) => toGoogleEvent(e, me)) });
  });

  router.post('/calendar/v3/calendars/:calendarId/events', requireGoogleScope(deps.tokens, WRITE), express.json({ limit: '64kb' }), (req, res) => {
    const me = res.locals.google!.email;
    const calendar = calendarOf(req.params.calendarId, me);
    if (!calendar) return googleError(res, 404, 'NOT_FOUND', 'Not Found');
    const b = InsertBody.safeParse(req.body);
    if (!b.success) return googleError(res, 400, 'INVALID_ARGUMENT', 'Bad Request', 'badRequest');
    const start = new Date(b.data.start.dateTime).toISOString();
    const end = new Date(b.data.end.dateTime).toISOString();
    if (Date.parse(end) <= Date.parse(start)) return googleError(res, 400, 'INVALID_ARGUMENT', 'The specified time range is empty.', 'timeRangeEmpty');
    const created = deps.data.insert(calendar, {
      summary: b.data.summary,
      description: b.data.description,
      location: b.data.location,
      start,
      end,
      status: b.data.status ?? 'confirmed',
      attendees: [me, ...(b.data.attendees ?? []).map((a) => a.email).filter((e) => e !== me)],
    });
    res.json(toGoogleEvent(created, me));
  });

  router.post('/calendar/v3/freeBusy', requireGoogleScope(deps.tokens, FREEBUSY), express.json({ limit: '16kb' }), (req, res) => {
    const me = res.locals.google!.email;
    const b = FreeBusyBody.safeParse(req.body);
    if (!b.success) return googleError(res, 400, 'INVALID_ARGUMENT', 'Bad Request', 'badRequest');
    const min = Date.parse(b.data.timeMin);
    const max = Date.parse(b.data.timeMax);
    const calendars: Record<string, unknown> = {};
    for (const { id } of b.data.items) {
      const calendar = calendarOf(id, me);
      calendars[id] = calendar
        ? { busy: deps.data.list(calendar, min, max).map((e) => ({ start: e.start, end: e.end })) }
        : { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
    }
    res.json({ kind: 'calendar#freeBusy', timeMin: b.data.timeMin, timeMax: b.data.timeMax, calendars });
  });

  return router;
}

function toGoogleEvent(e: CalendarEvent, me: string) {
  return {
    kind: 'calendar#event',
    etag: `"${Date.parse(e.created)}"`,
    id: e.id,
    status: e.status,
    htmlLink: `https://calendar.google.com/calendar/event?eid=${Buffer.from(`${e.id} ${me}`).toString('base64url')}`,
    created: e.created,
    updated: e.created,
    summary: e.summary,
    ...(e.description ? { description: e.description } : {}),
    ...(e.location ? { location: e.location } : {}),
    creator: { email: e.organizer, self: e.organizer === me },
    organizer: { email: e.organizer, self: e.organizer === me },
    start: { dateTime: e.start, timeZone: 'UTC' },
    end: { dateTime: e.end, timeZone: 'UTC' },
    iCalUID: `${e.id}@google.com`,
    sequence: 0,
    attendees: e.attendees.map((email) => ({ email, responseStatus: email === e.organizer ? 'accepted' : 'needsAction', ...(email === me ? { self: true } : {}) })),
    eventType: 'default',
  };
}
