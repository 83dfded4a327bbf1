/**
 * `GET /api/search/suggestions?q=`: what the search box offers for the token being typed at
 * the end of `q` (mounted at /api/search, before the search itself): operators whose name it
 * begins, people after `from:`, your conversations after `in:`, the values of `has:`, a day
 * after `before:`/`after:`. Only what the searcher may see: conversations they take part in
 * now, and people (anyone may look people up: GET /api/conversations/users).
 */
import { Hono } from "hono";
import { z } from "zod";
import { getUsersByIds, searchUsers } from "../../lib/accounts/mod.ts";
import { type ConversationRecord, listConversationRows } from "../../lib/conversations/mod.ts";
import { foldToken } from "../../lib/search/mod.ts";
import { MAX_QUERY_CHARS } from "../../lib/shared/limits.ts";
import type { User } from "../../lib/shared/user.ts";
import { lastToken } from "../../islands/search/query_token.ts";
import { type AppCtx, type Env, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { limitCreation } from "./_limits.ts";

/** At most this many suggestions in an answer. */
export const MAX_SUGGESTIONS = 8;
/** The conversations (most recently active first) whose titles and people are offered. */
const CONVERSATIONS_READ = 200;
/** Of those conversations' people, at most this many are read (contacts for `from:`). */
const CONTACTS_READ = 1000;

export const suggestQuerySchema = z.object({
  q: z.string().max(MAX_QUERY_CHARS).default("").meta({
    description: "The query as typed up to the caret: its last token is what is completed.",
    example: "from:an",
  }),
});

const suggestionShape = z.object({
  kind: z.enum(["operator", "person", "conversation"]),
  insert: z.string().meta({
    description: "Replaces the last token of `q` (the text after its last space outside " +
      'quotes). Ends with ":" for an operator still waiting for its value.',
  }),
  label: z.string().meta({ description: "What the list shows." }),
  detail: z.string().optional().meta({ description: "A second, quieter line." }),
});
export type Suggestion = z.infer<typeof suggestionShape>;

const suggestionsShape = z.object({ suggestions: z.array(suggestionShape) });

/** The operators, in the order they are offered. */
const OPERATORS: Suggestion[] = [
  { kind: "operator", insert: "from:", label: "from:", detail: "Messages by someone (from:me)" },
  { kind: "operator", insert: "in:", label: "in:", detail: "In a conversation or #channel" },
  { kind: "operator", insert: "has:", label: "has:", detail: "has:file or has:link" },
  { kind: "operator", insert: "before:", label: "before:", detail: "Before a day (YYYY-MM-DD)" },
  { kind: "operator", insert: "after:", label: "after:", detail: "After a day (YYYY-MM-DD)" },
];

const HAS_VALUES: Suggestion[] = [
  { kind: "operator", insert: "has:file", label: "has:file", detail: "With an attachment" },
  { kind: "operator", insert: "has:link", label: "has:link", detail: "With a link" },
];

/** Folded like search folds words (case and accents aside). */
const fold = (s: string) => foldToken(s.trim());

/** Whether `needle` (folded) begins `text`, or each of its words begins one of text's. */
function begins(text: string, needle: string): boolean {
  const folded = fold(text);
  if (folded.startsWith(needle)) return true;
  const words = folded.split(/[\s_.-]+/);
  return needle.split(/\s+/).every((n) => words.some((w) => w.startsWith(n)));
}

/** The suggestions for the last token of `q`, for `me`. */
export async function suggestionsFor(
  c: AppCtx,
  me: User,
  q: string,
): Promise<Suggestion[]> {
  const { token } = lastToken(q);
  const colon = token.indexOf(":");
  if (colon < 0) {
    // A word being typed: the operators it begins (a negated word or a phrase is no operator).
    const name = fold(token);
    if (!name || /^[-"]/.test(token)) return [];
    return OPERATORS.filter((o) => o.insert.startsWith(name) && o.insert !== name);
  }
  const operator = fold(token.slice(0, colon));
  const value = token.slice(colon + 1);
  if (operator === "has") {
    return HAS_VALUES.filter((v) => v.insert.startsWith(`has:${fold(value)}`));
  }
  if (operator === "before" || operator === "after") return days(operator, value);
  if (operator !== "from" && operator !== "in") return [];
  // Both read the searcher's conversations (and maybe every account): counted as look-ups.
  await limitCreation(c, me.id, "people_search");
  const kv = c.get("ctx").kv;
  const { rows } = await listConversationRows(kv, me.id, { limit: CONVERSATIONS_READ });
  const records = rows.map((r) => r.record);
  if (operator === "from") return await people(kv, me, records, fold(value.replace(/^@/, "")));
  return await conversations(kv, me, records, fold(value.replace(/^[#@"]/, "").replace(/"$/, "")));
}

/** Today and yesterday (UTC) as values of `before:`/`after:`, when they begin with `value`. */
function days(operator: string, value: string): Suggestion[] {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const now = Date.now();
  return [[day(now), "Today (UTC)"], [day(now - 86_400_000), "Yesterday (UTC)"]]
    .filter(([d]) => d.startsWith(value.trim()))
    .map(([d, detail]) => ({
      kind: "operator" as const,
      insert: `${operator}:${d}`,
      label: `${operator}:${d}`,
      detail,
    }));
}

/** `from:` — you (`from:me`), then the people of your conversations, then anyone else. */
async function people(
  kv: Deno.Kv,
  me: User,
  records: ConversationRecord[],
  needle: string,
): Promise<Suggestion[]> {
  const out: Suggestion[] = [];
  const seen = new Set<string>([me.id]);
  const add = (u: User) => {
    if (seen.has(u.id) || out.length >= MAX_SUGGESTIONS) return;
    seen.add(u.id);
    if (needle && !begins(u.username, needle) && !begins(u.displayName, needle)) return;
    out.push({
      kind: "person",
      insert: `from:${u.username}`,
      label: u.displayName,
      detail: `@${u.username}`,
    });
  };
  if ("me".startsWith(needle)) {
    out.push({ kind: "person", insert: "from:me", label: "Me", detail: "Your own messages" });
  }
  // Contacts: the people of your conversations, most recently active conversation first.
  const contactIds = [...new Set(records.flatMap((r) => r.participantIds))]
    .filter((id) => id !== me.id).slice(0, CONTACTS_READ);
  const contacts = new Map((await getUsersByIds(kv, contactIds)).map((u) => [u.id, u]));
  for (const id of contactIds) {
    const u = contacts.get(id);
    if (u) add(u);
  }
  // Then the people search everyone has (names containing what was typed).
  if (needle && out.length < MAX_SUGGESTIONS) {
    for (const u of await searchUsers(kv, needle, { limit: 20, excludeId: me.id })) add(u);
  }
  return out;
}

/** `in:` — your conversations (most recently active first) whose name begins with `needle`. */
async function conversations(
  kv: Deno.Kv,
  me: User,
  records: ConversationRecord[],
  needle: string,
): Promise<Suggestion[]> {
  // Direct conversations are named by the other person.
  const otherIds = records.flatMap((r) =>
    r.kind === "direct" ? r.participantIds.filter((id) => id !== me.id) : []
  );
  const others = new Map((await getUsersByIds(kv, otherIds)).map((u) => [u.id, u]));
  const out: Suggestion[] = [];
  for (const r of records) {
    if (out.length >= MAX_SUGGESTIONS) break;
    if (r.kind === "direct") {
      const other = others.get(r.participantIds.find((id) => id !== me.id) ?? "");
      if (
        !other || (needle && !begins(other.username, needle) && !begins(other.displayName, needle))
      ) {
        continue;
      }
      out.push({
        kind: "conversation",
        insert: `in:@${other.username}`,
        label: other.displayName,
        detail: `Direct messages · @${other.username}`,
      });
      continue;
    }
    // A group without a title has no name to type; one with a quote in it cannot be quoted.
    const title = r.title?.trim();
    if (!title || title.includes('"') || (needle && !begins(title, needle))) continue;
    const plain = !/\s/.test(title);
    const channel = r.kind === "channel";
    out.push({
      kind: "conversation",
      insert: plain ? `in:${channel ? "#" : ""}${title}` : `in:"${title}"`,
      label: channel ? `#${title}` : title,
      detail: channel ? "Channel" : r.kind === "project" ? "Project" : "Group",
    });
  }
  return out;
}

export const searchSuggestRoutes = new Hono<Env>().get(
  "/suggestions",
  doc({
    tag: "Search",
    summary: "Suggests how to finish the last word of a search being typed.",
    description: "For the token at the end of `q`: operators whose name it begins (`fr` → " +
      "`from:`), people for `from:…` (you as `from:me`, then the people of your " +
      "conversations, then others), your conversations for `in:…` (`in:#channel`, " +
      '`in:@username` for a direct one, `in:"A title"`), `has:file` and `has:link`, today ' +
      "and yesterday for `before:`/`after:`. At most 8; never a conversation you are not in.",
    query: suggestQuerySchema,
    responses: {
      200: {
        description: "Up to 8 suggestions, best first (none: an empty list).",
        schema: suggestionsShape,
      },
      400: "A `q` over the query length limit.",
      429: "Too many look-ups: wait for `Retry-After`.",
    },
  }),
  async (c) => {
    const me = requireUser(c);
    const { q } = readQuery(c, suggestQuerySchema);
    const suggestions = await suggestionsFor(c, me, q);
    return c.json({ suggestions: suggestions.slice(0, MAX_SUGGESTIONS) });
  },
);
