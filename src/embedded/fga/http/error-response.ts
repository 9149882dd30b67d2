/**
 * The one place engine errors become HTTP: OpenFGA's status codes and `{ code, message }` bodies, so
 * @openfga/sdk raises FgaApiValidationError for 400s and FgaApiNotFoundError for 404s. Anything
 * unexpected is a 500 with a fixed text; its detail goes to the log only.
 */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../../../log.js';
import { FgaError, FgaValidationError } from '../errors.js';

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new FgaValidationError(`invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

export function errorBody(e: unknown): { status: number; body: { code: string; message: string } } {
  if (e instanceof FgaError) return { status: e.status, body: { code: e.code, message: e.message } };
  return { status: 500, body: { code: 'internal_error', message: 'Internal Server Error' } };
}

/** The JSON body limit of the FGA API; a larger body is 413. */
export const BODY_LIMIT = '1mb';

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const bodyError = typeof err === 'object' && err !== null && 'type' in err ? (err as { type: unknown }).type : undefined;
    if (bodyError === 'entity.too.large') {
      res.status(413).json({ code: 'resource_exhausted', message: `request body exceeds the ${BODY_LIMIT} limit` });
      return;
    }
    // Any other body the parser refuses (bad charset or encoding, aborted, wrong length) is the client's error, not a 500.
    const unreadable = typeof bodyError === 'string' && (err as { status?: unknown }).status !== undefined && Number((err as { status: unknown }).status) < 500;
    const translated =
      bodyError === 'entity.parse.failed'
        ? errorBody(new FgaValidationError('invalid request: body is not valid JSON'))
        : unreadable
          ? errorBody(new FgaValidationError('invalid request: the body could not be read'))
          : errorBody(err);
    if (translated.status >= 500) logger.error({ err }, 'embedded fga: internal error');
    res.status(translated.status).json(translated.body);
  };
}
