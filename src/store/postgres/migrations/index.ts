/**
 * Ordered schema migrations of the PostgreSQL Store (its own list; the SQLite Store has another).
 * Each concern adds its own file and one line here; ids never change once released (they are recorded
 * in schema_migrations). Each runs in its own transaction (PostgreSQL's DDL is transactional).
 */
export interface PostgresMigration {
  readonly id: string;
  readonly up: string;
}

import { core } from './001-core.js';
import { authserver } from './002-authserver.js';
import { vault } from './003-vault.js';
import { approvals } from './004-approvals.js';
import { documents } from './005-documents.js';
import { budgets } from './006-budgets.js';
import { secrets } from './007-secrets.js';
import { rateLimits } from './008-rate-limits.js';

export const postgresMigrations: readonly PostgresMigration[] = [core, authserver, vault, approvals, documents, budgets, secrets, rateLimits];
