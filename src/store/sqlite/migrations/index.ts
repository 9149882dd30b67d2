/**
 * Ordered schema migrations. Each concern adds its own file and one line here; ids never change once
 * released (they are recorded in schema_migrations).
 */
export interface Migration {
  readonly id: string;
  readonly up: string;
}

import { core } from './001-core.js';
import { authserver } from './002-authserver.js';
import { fga } from './003-fga.js';
import { vault } from './004-vault.js';
import { approvals } from './005-approvals.js';
import { documents } from './006-documents.js';
import { atRest } from './007-at-rest.js';
import { budgets } from './008-budgets.js';
import { approvalRedemption } from './009-approval-redemption.js';
import { fgaChanges } from './011-fga-changes.js';
import { cibaAtRest } from './012-ciba-at-rest.js';
import { auditCheckpoints } from './013-audit-checkpoints.js';
import { rateLimits } from './014-rate-limits.js';

export const migrations: readonly Migration[] = [core, authserver, fga, vault, approvals, documents, atRest, budgets, approvalRedemption, fgaChanges, cibaAtRest, auditCheckpoints, rateLimits];
