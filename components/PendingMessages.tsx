import type { Attachment, Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { Attachments } from "./Attachments.tsx";
import { Avatar } from "./people.tsx";

export type Pending = {
  clientId: string;
  content: string;
  createdAt: string;
  failed: string | null;
  /** Files uploaded already, sent with the message. */
  attachments?: Attachment[];
};

/** As MessageList groups: the same author within five minutes shares one header. */
const GROUP_MS = 5 * 60_000;

/**
 * Your messages not acknowledged yet ("Sending…") or refused ("Not sent"), after the history.
 * They are always yours, and look it: the first starts a group with your avatar and name
 * unless your own message just before it does already; they never join someone else's.
 */
export function PendingMessages(props: {
  pending: Pending[];
  /** The newest message shown above them. */
  after: Message | undefined;
  me: User;
  /** Where their files are. */
  conversationId: string;
  onRetry?: (clientId: string) => void;
}) {
  const { me } = props;
  let prev = props.after && { authorId: props.after.author.id, at: props.after.createdAt };
  return (
    <>
      {props.pending.map((p) => {
        const head = !prev || prev.authorId !== me.id ||
          Date.parse(p.createdAt) - Date.parse(prev.at) > GROUP_MS;
        prev = { authorId: me.id, at: p.createdAt };
        return (
          <li
            key={p.clientId}
            class={`msg msg-idle${head ? " pt-3" : ""}`}
            data-pending={p.failed ? "failed" : "true"}
          >
            <div class="w-9 shrink-0">{head && <Avatar user={me} />}</div>
            <div class="min-w-0 flex-1 pb-0.5">
              {head && (
                <div class="flex items-baseline gap-2">
                  <span class="msg-name">{me.displayName}</span>
                </div>
              )}
              {p.content && (
                <p class="whitespace-pre-wrap break-words text-sm leading-relaxed text-slate-500 dark:text-slate-400">
                  {p.content}
                </p>
              )}
              {p.attachments?.length
                ? <Attachments conversationId={props.conversationId} files={p.attachments} />
                : null}
              {p.failed
                ? (
                  <p class="text-xs text-red-600 dark:text-red-400">
                    Not sent: {p.failed} {props.onRetry && (
                      <button
                        type="button"
                        class="font-semibold underline"
                        onClick={() => props.onRetry?.(p.clientId)}
                      >
                        Retry
                      </button>
                    )}
                  </p>
                )
                : <p class="msg-meta">Sending…</p>}
            </div>
          </li>
        );
      })}
    </>
  );
}
