/** Slash commands (mounted at /api/conversations): owned by H4. */
import { Hono } from "hono";
import type { User } from "../../lib/accounts/mod.ts";
import type { AppCtx, Env } from "../_http.ts";

export const commandRoutes = new Hono<Env>();

/**
 * A composer's form post (no JavaScript) whose text is a slash command: runs it and answers
 * (a 303 back to the conversation), or null when the text is not a command (it is sent as a
 * message then). Owned by H4: a stub that treats nothing as a command yet.
 */
export function commandFromForm(
  _c: AppCtx,
  _user: User,
  _conversationId: string,
  _text: string,
): Promise<Response | null> {
  return Promise.resolve(null);
}
