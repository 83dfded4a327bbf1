/**
 * Integrations (above notify): what lets programs take part: incoming webhooks (incoming.ts),
 * outgoing webhooks and their durable deliveries (outgoing.ts), and the composer's slash
 * commands (commands.ts). Tokens and bots are accounts (lib/accounts/tokens.ts, bots.ts).
 */
export * from "./incoming.ts";
export * from "./outgoing.ts";
export * from "./commands.ts";
