import { randomBytes } from 'node:crypto';
import type { ProviderAccount } from './provider-accounts.js';

export interface CalendarEvent {
  readonly id: string;
  readonly summary: string;
  readonly description?: string;
  readonly location?: string;
  readonly start: string;
  readonly end: string;
  readonly status: 'confirmed' | 'tentative';
  readonly attendees: readonly string[];
  readonly organizer: string;
  readonly created: string;
}

export interface SentMessage {
  readonly id: string;
  readonly threadId: string;
  readonly from: string;
  readonly raw: string;
  readonly sentAt: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** What each demo user's calendar holds, relative to the start of the current UTC day. */
const SEED: Record<string, readonly { day: number; hour: number; minutes: number; summary: string; location?: string; with?: readonly string[] }[]> = {
  'alice@acme.example': [
    { day: 0, hour: 9, minutes: 30, summary: 'Engineering stand-up', location: 'Room Ada / Meet', with: ['team-eng@acme.example'] },
    { day: 0, hour: 14, minutes: 60, summary: 'Design review: Falcon API', location: 'Room Turing', with: ['carol@contractor.example'] },
    { day: 1, hour: 10, minutes: 45, summary: '1:1 with Bob', with: ['bob@acme.example'] },
    { day: 2, hour: 13, minutes: 90, summary: 'Sprint planning', location: 'Room Ada', with: ['team-eng@acme.example'] },
    { day: 4, hour: 16, minutes: 30, summary: 'Dentist', location: 'Dr. Meyer, Hauptstr. 5' },
  ],
  'bob@acme.example': [
    { day: 0, hour: 9, minutes: 60, summary: 'Quarter close: reconciliation', location: 'Finance room' },
    { day: 1, hour: 10, minutes: 45, summary: '1:1 with Alice', with: ['alice@acme.example'] },
    { day: 3, hour: 15, minutes: 60, summary: 'Budget review with CFO', with: ['cfo@acme.example'] },
  ],
  'carol@contractor.example': [
    { day: 0, hour: 14, minutes: 60, summary: 'Design review: Falcon API', location: 'Room Turing', with: ['alice@acme.example'] },
    { day: 2, hour: 11, minutes: 30, summary: 'Contract renewal call', with: ['procurement@acme.example'] },
  ],
};

/** The demo provider's data: per-account calendars (seeded on start) and a sent-mail log. In memory. */
export class ProviderData {
  readonly events = new Map<string, CalendarEvent[]>();
  readonly sent = new Map<string, SentMessage[]>();

  constructor(accounts: readonly ProviderAccount[], now = Date.now()) {
    const today = Math.floor(now / DAY) * DAY;
    for (const a of accounts) {
      const seeded = (SEED[a.email] ?? []).map((s) => {
        const start = today + s.day * DAY + s.hour * HOUR;
        return {
          id: newId(),
          summary: s.summary,
          location: s.location,
          start: new Date(start).toISOString(),
          end: new Date(start + s.minutes * 60_000).toISOString(),
          status: 'confirmed' as const,
          attendees: [a.email, ...(s.with ?? [])],
          organizer: a.email,
          created: new Date(today - 7 * DAY).toISOString(),
        };
      });
      this.events.set(a.email, seeded);
      this.sent.set(a.email, []);
    }
  }

  list(email: string, timeMin?: number, timeMax?: number): CalendarEvent[] {
    return (this.events.get(email) ?? [])
      .filter((e) => (timeMin === undefined || Date.parse(e.end) > timeMin) && (timeMax === undefined || Date.parse(e.start) < timeMax))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  }

  insert(email: string, event: Omit<CalendarEvent, 'id' | 'created' | 'organizer'>): CalendarEvent {
    const created: CalendarEvent = { ...event, id: newId(), organizer: email, created: new Date().toISOString() };
    this.events.set(email, [...(this.events.get(email) ?? []), created]);
    return created;
  }

  send(email: string, raw: string): SentMessage {
    const id = randomBytes(8).toString('hex');
    const message = { id, threadId: id, from: email, raw, sentAt: new Date().toISOString() };
    this.sent.get(email)?.push(message);
    return message;
  }
}

function newId(): string {
  return randomBytes(13).toString('hex');
}
