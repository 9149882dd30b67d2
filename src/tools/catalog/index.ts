import type { AnyTool } from '../define.js';
import { createCalendarEvent, listCalendarEvents } from './calendar.js';
import { whoami } from './identity.js';
import { sendEmail } from './mail.js';

/** The built-in catalogue. Each family lives in its own file; policies are visible in each definition. */
export const builtinTools: readonly AnyTool[] = [whoami, listCalendarEvents, createCalendarEvent, sendEmail];
