/**
 * Free text (an item name, a subject, a body) as data a person can read without being fooled: control
 * characters and Unicode bidi controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069,
 * marks U+200E/U+200F and U+061C) are removed, so no argument can reorder or hide what is shown.
 */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu;
/** C0 and C1 controls, DEL, and the line/paragraph separators; newlines and tabs are handled apart. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF]/gu;

/** One line: every line break and tab becomes a space, runs of spaces collapse. */
export function singleLine(text: string): string {
  return text
    .replace(/\r\n?|\n|\t/g, ' ')
    .replace(CONTROL, '')
    .replace(BIDI, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Several lines (an email body): line breaks are kept (as \n), tabs become spaces, all else as above. */
export function multiLine(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROL, '').replace(BIDI, '');
}

/** True when the text holds nothing `singleLine`/`multiLine` would remove (used by the stand-in's checks). */
export function isCleanSingleLine(text: string): boolean {
  return !/[\r\n\t]/.test(text) && !new RegExp(CONTROL.source, 'u').test(text) && !new RegExp(BIDI.source, 'u').test(text);
}

/** `"text"` with any inner double quote escaped, so the quoted data cannot close its own quotes. */
export function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
