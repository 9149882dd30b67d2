/**
 * Which tools this deployment can run, decided once at start-up: a tool whose policy needs a gate
 * that is not configured (a connected account without the Token Vault, an approval without CIBA)
 * could only ever be refused, so it is settled before the first call. The operator's own tools are
 * an explicit request: one that cannot run stops the start with a message naming the tool and the
 * missing variables. The built-in catalogue is a default: its tools that cannot run are dropped with
 * a warning, so a deployment that sets only AUTH0_DOMAIN still serves every tool it can run.
 */
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';
import type { AnyTool } from '../tools/define.js';

/** What is missing for each optional gate, as variables to set; undefined when the gate runs. */
export interface GateGaps {
  readonly connect: string | undefined;
  readonly approve: string | undefined;
}

const SERVER_CLIENT = 'AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET';
const CUSTOM_API_CLIENT = 'AUTH0_CUSTOM_API_CLIENT_ID and AUTH0_CUSTOM_API_CLIENT_SECRET';

export function gateGaps(has: { serverClient: boolean; customApiClient: boolean }): GateGaps {
  const connect = [has.serverClient ? undefined : SERVER_CLIENT, has.customApiClient ? undefined : CUSTOM_API_CLIENT].filter(Boolean).join(' and ');
  return {
    connect: connect ? `the Token Vault is not configured: set ${connect}` : undefined,
    approve: has.serverClient ? undefined : `CIBA is not configured: set ${SERVER_CLIENT}`,
  };
}

/** Why this tool cannot run here, or undefined when every gate its policy needs is configured. */
export function whyUnrunnable(tool: AnyTool, gaps: GateGaps): string | undefined {
  if (tool.connection && gaps.connect) return `tool "${tool.name}" needs a connected account (${tool.connection.connection}), but ${gaps.connect}`;
  const approval = tool.approval !== undefined ? 'an approval policy' : tool.budget?.over === 'approve' ? 'approval over its budget' : undefined;
  if (approval && gaps.approve) return `tool "${tool.name}" needs ${approval}, but ${gaps.approve}`;
  return undefined;
}

/**
 * The tools to serve: the built-in ones that can run (the others dropped with one warning each) and
 * all of the operator's own. Throws ConfigError listing every own tool that cannot run.
 */
export function runnableTools(builtin: readonly AnyTool[], own: readonly AnyTool[], gaps: GateGaps, logger: Logger): AnyTool[] {
  const refused = own.map((t) => whyUnrunnable(t, gaps)).filter((m): m is string => m !== undefined);
  if (refused.length) throw new ConfigError(refused);
  const kept = builtin.filter((t) => {
    const why = whyUnrunnable(t, gaps);
    if (why) logger.warn({ tool: t.name }, `built-in ${why}; it is not served`);
    return why === undefined;
  });
  return [...kept, ...own];
}
