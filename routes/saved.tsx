/**
 * Pages for pins and saved messages: `/saved` (your saved messages, newest first, paged,
 * each opening in context, with Unsave) and `/conversations/:id/pins` (a conversation's
 * pinned messages, with Unpin). Both work without JavaScript.
 */
import { Hono } from "hono";
import type { ComponentChildren } from "preact";
import { conversationName, shortTime } from "../components/people.tsx";
import { MessageLink, PinsList, PostButton } from "../components/PinsList.tsx";
import type { User } from "../lib/accounts/mod.ts";
import {
  getConversationForUser,
  listPins,
  listSaved,
  SAVED_PAGE,
  savedCursorSchema,
  type SavedItem,
} from "../lib/messages/mod.ts";
import type { AppCtx, Env } from "./_http.ts";
import { foundOrNull, notFoundPage, shell, signedIn } from "./chat.tsx";

const LINK =
  "rounded font-semibold text-indigo-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300";

/** A page's frame: a header with the title (and a way back), then a scrolling body. */
function Section(
  props: {
    label: string;
    title: string;
    back?: { href: string; text: string };
    children: ComponentChildren;
  },
) {
  return (
    <section
      class="flex h-full min-h-0 min-w-0 flex-1 flex-col bg-white dark:bg-slate-900"
      aria-label={props.label}
    >
      <header class="flex items-center gap-3 border-b border-slate-200 px-5 py-3 dark:border-slate-700">
        {props.back && (
          <a
            href={props.back.href}
            class="text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
            aria-label={props.back.text}
          >
            ←
          </a>
        )}
        <h1 class="min-w-0 truncate text-base font-semibold leading-6">{props.title}</h1>
      </header>
      <div class="flex-1 overflow-y-auto px-3 py-3">{props.children}</div>
    </section>
  );
}

/** Your saved messages, newest first; `more`: the cursor of the next page. */
export function SavedPage(
  props: { me: User; items: SavedItem[]; more: string | null; paged: boolean },
) {
  return (
    <Section label="Saved messages" title="Saved messages">
      {props.items.length === 0
        ? (
          <p class="px-3 py-4 text-sm text-slate-600 dark:text-slate-400" data-testid="saved-empty">
            {props.paged
              ? "No more saved messages."
              : "Nothing saved yet. Save a message from its actions to find it here later; only you see this list."}
          </p>
        )
        : (
          <ol class="space-y-1" aria-label="Saved messages" data-testid="saved-list">
            {props.items.map((item) => (
              <MessageLink
                key={item.message.id}
                message={item.message}
                where={conversationName(item.conversation, props.me.id)}
                note={`Saved ${shortTime(item.savedAt)}`}
                actions={
                  <PostButton
                    action={`/api/saved/${item.message.conversationId}/${item.message.seq}`}
                    fields={{ on: "0", back: "saved" }}
                    label="Unsave"
                    title="Take this message off your saved list"
                  />
                }
              />
            ))}
          </ol>
        )}
      {(props.more || props.paged) && (
        <nav class="flex gap-4 px-3 py-4 text-sm" aria-label="More saved messages">
          {props.paged && <a class={LINK} href="/saved">Newest</a>}
          {props.more && (
            <a class={LINK} href={`/saved?cursor=${props.more}`} rel="next">
              Older saved messages
            </a>
          )}
        </nav>
      )}
    </Section>
  );
}

async function savedPage(c: AppCtx, me: User) {
  const cursor = savedCursorSchema.optional().catch(undefined).parse(c.req.query("cursor"));
  const { items, nextCursor } = await listSaved(c.get("ctx").kv, me.id, {
    cursor,
    limit: SAVED_PAGE,
  });
  return await shell(c, {
    me,
    title: "Saved messages",
    section: "saved",
    children: <SavedPage me={me} items={items} more={nextCursor} paged={cursor !== undefined} />,
  });
}

async function pinsPage(c: AppCtx, me: User) {
  const { kv } = c.get("ctx");
  const conversation = await foundOrNull(
    getConversationForUser(kv, c.req.param("id") ?? "", me.id),
  );
  if (!conversation) return notFoundPage(c);
  const messages = await listPins(kv, conversation.id, me.id);
  const name = conversationName(conversation, me.id);
  return await shell(c, {
    me,
    currentId: conversation.id,
    title: `Pinned in ${name}`,
    children: (
      <Section
        label="Pinned messages"
        title={`Pinned in ${name}`}
        back={{ href: `/conversations/${conversation.id}`, text: `Back to ${name}` }}
      >
        <PinsList messages={messages} meId={me.id} unpin />
      </Section>
    ),
  });
}

export const savedPageRoutes = new Hono<Env>()
  .get("/saved", signedIn(savedPage))
  .get("/conversations/:id/pins", signedIn(pinsPage));
