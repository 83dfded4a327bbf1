/**
 * Bots: accounts a person makes for a program (`isBot`, no password: they sign in only with
 * their token, made with them and never expiring). They take part in conversations like
 * anyone, under the same membership rules and rate limits. Deleting a bot disables its
 * account (its messages keep their author), revokes its tokens and closes its sockets.
 * Webhooks' bots (lib/integrations) are made by their webhook and are not listed here.
 */
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import { getManyChunked, userBotKey, userBotsPrefix } from "../storage/mod.ts";
import {
  botOf,
  createUserWithoutPassword,
  requireActiveAccount,
  updateAccountFlags,
  type User,
  userOf,
  userRecordKey,
} from "./users.ts";
import { publishAccountEvent } from "./events.ts";
import { prepareToken, revokeAllTokens } from "./tokens.ts";

/** How many bots one person may own (409 `limit_reached` past it). */
export const MAX_BOTS = 10;

/** A bot as its owner's list shows it. */
export type BotInfo = User & { createdAt: string };

/** Refuses a bot's own attempt to make credentials or bots: only people own integrations. */
export function refuseBots(user: User, what: string): void {
  if (user.isBot) throw new ForbiddenError(`A bot cannot create ${what}.`, "not_for_bots");
}

/**
 * Makes a bot owned by `ownerId` and its token (named for it, never expiring), in one commit
 * with its place in the owner's list: `{bot, secret}`. Throws ForbiddenError("not_for_bots")
 * when the owner is a bot, ConflictError("limit_reached") past MAX_BOTS or
 * ConflictError("username_taken"), ForbiddenError("account_disabled") or NotFoundError for an
 * owner who cannot sign in.
 */
export async function createBot(
  kv: Deno.Kv,
  ownerId: string,
  input: { username: string; displayName: string },
  options: { now?: Date } = {},
): Promise<{ bot: User; secret: string }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const owner = await requireActiveAccount(kv, ownerId);
    refuseBots(userOf(owner)!, "bots");
    if ((await listBotIds(kv, ownerId)).length >= MAX_BOTS) {
      throw new ConflictError(
        `You have ${MAX_BOTS} bots, as many as one may have. Delete one first.`,
        "limit_reached",
      );
    }
    let secret = "";
    const bot = await createUserWithoutPassword(kv, input, {
      bot: { ownerId },
      withinCommit: (op, user) => {
        const token = prepareToken(user.id, { name: user.username, expiresInDays: null }, now());
        secret = token.secret;
        return token.write(op.check(owner).set(userBotKey(ownerId, user.id), true));
      },
    });
    if (bot) return { bot, secret };
    // Null: the name is taken, or the owner's record changed meanwhile (then again).
    if ((await kv.get(userRecordKey(ownerId))).versionstamp === owner.versionstamp) {
      throw new ConflictError("That username is taken.", "username_taken");
    }
  }
  throw new ConflictError("Your account changed while the bot was made. Try again.");

  function now() {
    return options.now ?? new Date();
  }
}

async function listBotIds(kv: Deno.Kv, ownerId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: userBotsPrefix(ownerId) })) ids.push(String(e.key[2]));
  return ids;
}

/** The owner's bots, oldest first. */
export async function listBots(kv: Deno.Kv, ownerId: string): Promise<BotInfo[]> {
  const ids = await listBotIds(kv, ownerId);
  const entries = await getManyChunked(kv, ids.map(userRecordKey));
  return entries.flatMap((e) => {
    const bot = botOf(e);
    return bot && bot.ownerId === ownerId && !bot.disabled
      ? [{ ...bot.user, createdAt: bot.createdAt }]
      : [];
  });
}

/**
 * Deletes a person's bot (its owner or a site admin may): the account is disabled (it cannot
 * post or sign in; its messages stay), its sockets close, its tokens are revoked and it leaves
 * the owner's list. Throws NotFoundError for anything but a listed bot (a webhook's bot goes
 * with its webhook), ForbiddenError for anyone else.
 */
export async function deleteBot(kv: Deno.Kv, actor: User, botId: string): Promise<void> {
  if (!/^[0-9A-Z]{26}$/.test(botId)) throw new NotFoundError("Bot not found.");
  const bot = botOf(await kv.get(userRecordKey(botId)));
  if (!bot || bot.webhookId !== null || !bot.ownerId) throw new NotFoundError("Bot not found.");
  const listed = await kv.get(userBotKey(bot.ownerId, botId));
  if (listed.versionstamp === null) throw new NotFoundError("Bot not found.");
  if (actor.id !== bot.ownerId && !actor.isAdmin) {
    throw new ForbiddenError("Only the bot's owner or a site admin can delete it.");
  }
  await retire(kv, bot.ownerId, botId);
}

/** Disables the bot, closes its sockets, revokes its tokens and takes it off the list. */
async function retire(kv: Deno.Kv, ownerId: string, botId: string): Promise<void> {
  // Disabled first: from this commit on no request of its signs in, whatever comes next.
  await updateAccountFlags(kv, botId, { disabled: true });
  await publishAccountEvent(kv, botId);
  await revokeAllTokens(kv, botId);
  await kv.delete(userBotKey(ownerId, botId));
}

/**
 * Deletes every bot of `ownerId` (their account is being deleted: a bot acts for its owner,
 * and none is left behind with a working token). Returns how many.
 */
export async function deleteBotsOf(kv: Deno.Kv, ownerId: string): Promise<number> {
  const ids = await listBotIds(kv, ownerId);
  for (const id of ids) await retire(kv, ownerId, id);
  return ids.length;
}
