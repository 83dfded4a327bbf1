import { Hono } from "hono";
import { z } from "zod";
import ThreadPanel from "../islands/ThreadPanel.tsx";
import { getConversationForUser, listUserThreads } from "../lib/messages/mod.ts";
import { island } from "../lib/web/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { Avatar, conversationName, fullTime, shortTime } from "../components/people.tsx";
import { threadHref } from "../components/ThreadSummary.tsx";
import type { AppCtx, Env } from "./_http.ts";
import { foundOrNull, notFoundPage, readThreadPage, shell, signedIn } from "./chat.tsx";

const ThreadPanelIsland = island("ThreadPanel", ThreadPanel);

const seqSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().catch(
  undefined,
);
const cursorSchema = z.string().max(200).optional().catch(undefined);

/** "Threads": the threads you started, replied to or were mentioned in, newest activity first. */
async function threadsPage(c: AppCtx, me: User) {
  const { kv } = c.get("ctx");
  const cursor = cursorSchema.parse(c.req.query("cursor"));
  const { threads, nextCursor } = await listUserThreads(kv, me.id, { cursor });
  return await shell(c, {
    me,
    title: "Threads",
    section: "threads",
    children: (
      <div class="flex min-w-0 flex-1 flex-col overflow-y-auto bg-white dark:bg-slate-900">
        <div class="mx-auto w-full max-w-3xl px-5 py-6">
          <h1 class="text-xl font-semibold text-slate-900 dark:text-slate-100">Threads</h1>
          <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Threads you started, replied to or were mentioned in, the newest activity first.
          </p>
          {threads.length === 0
            ? (
              <p class="mt-8 text-sm text-slate-600 dark:text-slate-400">
                No threads yet. Reply to a message with “Reply in thread” to start one.
              </p>
            )
            : (
              <ul class="mt-5 space-y-3" aria-label="Your threads">
                {threads.map((t) => {
                  const name = conversationName(t.conversation, me.id);
                  const p = t.parent;
                  const text = p.deletedAt
                    ? "This message was deleted."
                    : p.content.length > 280
                    ? `${p.content.slice(0, 279)}…`
                    : p.content || "(files)";
                  return (
                    <li
                      key={`${t.conversation.id}-${p.seq}`}
                      data-thread-item={`${t.conversation.id}/${p.seq}`}
                      data-unread={t.unreadCount > 0 ? "true" : undefined}
                    >
                      <a
                        href={threadHref(t.conversation.id, p.seq)}
                        class="block rounded-xl border border-slate-200 dark:border-slate-700 px-4 py-3 hover:border-indigo-300 hover:bg-slate-50 dark:hover:bg-slate-800"
                      >
                        <div class="flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
                          <span class="truncate font-semibold text-slate-700 dark:text-slate-300">
                            {name}
                          </span>
                          {t.unreadCount > 0 && (
                            <span class="ml-auto shrink-0 rounded-full bg-indigo-600 px-2 py-0.5 text-xs font-semibold text-white">
                              {t.unreadCount} new
                            </span>
                          )}
                        </div>
                        <div class="mt-2 flex gap-3">
                          <Avatar user={p.author} />
                          <div class="min-w-0 flex-1">
                            <p class="text-sm font-semibold text-slate-900 dark:text-slate-100">
                              {p.author.displayName}
                            </p>
                            <p
                              class={`line-clamp-3 break-words text-sm ${
                                p.deletedAt
                                  ? "italic text-slate-500 dark:text-slate-400"
                                  : "text-slate-800 dark:text-slate-200"
                              }`}
                            >
                              {text}
                            </p>
                            <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">
                              <span class="font-semibold text-indigo-700 dark:text-indigo-300">
                                {t.replyCount === 1 ? "1 reply" : `${t.replyCount} replies`}
                              </span>{" "}
                              · last reply{" "}
                              <time dateTime={t.lastReplyAt} title={fullTime(t.lastReplyAt)}>
                                {shortTime(t.lastReplyAt)}
                              </time>
                            </p>
                          </div>
                        </div>
                      </a>
                    </li>
                  );
                })}
              </ul>
            )}
          {nextCursor && (
            <div class="mt-5 text-center">
              <a
                href={`/threads?cursor=${encodeURIComponent(nextCursor)}`}
                class="text-sm font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
              >
                Older threads
              </a>
            </div>
          )}
        </div>
      </div>
    ),
  });
}

/**
 * A thread on its own page: the link to share, and what a phone without JavaScript opens.
 * `?after=<seq>` reads the replies after that one; `?react=`, `?edit=`, `?delete=` open a
 * reply's palette, editor or confirmation as in the conversation.
 */
async function threadPage(c: AppCtx, me: User) {
  const { kv } = c.get("ctx");
  const conversation = await foundOrNull(
    getConversationForUser(kv, c.req.param("id") ?? "", me.id),
  );
  const seq = seqSchema.parse(c.req.param("seq"));
  if (!conversation || seq === undefined) return notFoundPage(c);
  const page = await readThreadPage(c, conversation.id, seq, seqSchema.parse(c.req.query("after")));
  if (!page) return notFoundPage(c);
  const title = conversationName(conversation, me.id);
  return await shell(c, {
    me,
    currentId: conversation.id,
    title: `Thread in ${title}`,
    children: (
      <ThreadPanelIsland
        conversationId={conversation.id}
        title={title}
        parentSeq={seq}
        me={me}
        people={conversation.participants}
        initial={page}
        maxUploadBytes={c.get("ctx").config.maxUploadBytes}
        standalone
        opened={{
          edit: seqSchema.parse(c.req.query("edit")),
          react: seqSchema.parse(c.req.query("react")),
          delete: seqSchema.parse(c.req.query("delete")),
        }}
      />
    ),
  });
}

export const threadPageRoutes = new Hono<Env>()
  .get("/threads", signedIn(threadsPage))
  .get("/conversations/:id/threads/:seq", signedIn(threadPage));
