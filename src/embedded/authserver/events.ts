import type Provider from 'oidc-provider';
import type { Logger } from '../../log.js';

/**
 * Logs what oidc-provider reports, without tokens or secrets: server errors at error level, protocol
 * errors (bad requests from clients) at debug level, with their fixed error code only.
 */
export function observeProvider(provider: Provider, logger: Logger): void {
  provider.on('server_error', (_ctx, err) => {
    logger.error({ err: { name: err.name, message: err.message, stack: err.stack } }, 'authserver server_error');
  });
  const protocolError = (event: string) => (_ctx: unknown, err: Error) => {
    logger.debug({ event, error: (err as { error?: string }).error ?? err.name }, 'authserver protocol error');
  };
  provider.on('authorization.error', protocolError('authorization.error'));
  provider.on('grant.error', protocolError('grant.error'));
  provider.on('registration_create.error', protocolError('registration_create.error'));
  provider.on('revocation.error', protocolError('revocation.error'));
  provider.on('registration_create.success', (_ctx, client) => {
    logger.info({ client_id: client.clientId }, 'authserver client registered');
  });
}
