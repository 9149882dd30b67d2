/**
 * CIBA binding messages under Auth0's rules: at most 64 characters, only letters, digits, space and
 * `+ - _ . , : #`. The same short text is shown on the device and in the agent's pending result, so the
 * person can tell that the request on their phone is the one their agent made.
 */
export const BINDING_MESSAGE_MAX = 64;
export const BINDING_MESSAGE_PATTERN = /^[A-Za-z0-9+\-_.,:# ]{1,64}$/;

export function isValidBindingMessage(value: unknown): value is string {
  return typeof value === 'string' && BINDING_MESSAGE_PATTERN.test(value) && value.trim() === value;
}

/**
 * Builds a valid binding message from free text and a short approval code: characters outside the
 * allowed set become spaces (accents are folded first: "Café" -> "Cafe"), runs of spaces collapse, and
 * the text is cut (on a word when possible) so that `<text> #<code>` fits in 64 characters.
 */
export function bindingMessage(text: string, code: string): string {
  if (!/^[A-Za-z0-9]{1,12}$/.test(code)) throw new TypeError('bindingMessage: code must be 1-12 letters or digits');
  const suffix = ` #${code}`;
  const room = BINDING_MESSAGE_MAX - suffix.length;
  let body = sanitize(text);
  if (body.length > room) {
    const cut = body.slice(0, room);
    const space = cut.lastIndexOf(' ');
    body = (space >= room / 2 ? cut.slice(0, space) : cut).replace(/[ .,:]+$/, '');
  }
  const message = body ? `${body}${suffix}` : `Approve request #${code}`;
  if (!isValidBindingMessage(message)) throw new TypeError('bindingMessage: produced an invalid message');
  return message;
}

function sanitize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9+\-_.,:# ]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}
