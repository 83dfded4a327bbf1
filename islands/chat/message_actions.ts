/// <reference lib="dom" />
import type { Signal } from "@preact/signals";
import type { Message } from "../../lib/shared/message.ts";
import type { ClientFrame } from "../../lib/shared/protocol.ts";
import type { MessageActions } from "../../components/message_actions.ts";
import { chatSocket } from "../parts/chat_socket.ts";
import { MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG } from "../../lib/shared/limits.ts";

/** The same limits as sending (`contentSchema`), said the same way. */
export function contentProblem(content: string): string | null {
  const text = content.trim();
  if (!text) return "Write something first.";
  if (text.length > MAX_MESSAGE_CHARS) return MESSAGE_TOO_LONG;
  return null;
}

/**
 * Edits, deletes and reactions of one conversation. They go over the socket (everyone in the
 * room, this tab included, gets `message_updated`); while it is down, over REST, whose answer
 * is applied here at once.
 */
export function messageActions(options: {
  conversationId: string;
  /** The loaded message with this seq, if any. */
  find: (seq: number) => Message | undefined;
  /** The message being edited (null: none). */
  editing: () => number | null;
  setEditing: (seq: number | null) => void;
  setError: (message: string | null) => void;
  apply: (m: Message) => void;
  /** Opens a message's thread (absent: in a thread already, Reply is a link). */
  openThread?: (seq: number) => void;
  /** The composer to focus after an edit (default: the conversation's, `composer`). */
  composerId?: string;
  /** The seqs you saved here (read once the room is live; Save and Unsave change it). */
  saved?: Signal<Set<number>>;
}): MessageActions {
  const { conversationId, setEditing, setError, apply } = options;
  const base = `/api/conversations/${conversationId}/messages`;

  async function change(frame: ClientFrame, method: string, path: string, body?: unknown) {
    setError(null);
    if (chatSocket().send(frame)) return;
    try {
      const res = await fetch(`${base}/${path}`, {
        method,
        headers: body ? { "content-type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const data = await res.json().catch(() => null);
      if (res.ok && data?.message) apply(data.message);
      else setError(data?.error?.message ?? "That did not work: try again.");
    } catch {
      setError("You are offline: try again once the chat is live.");
    }
  }

  function focusComposer() {
    const id = options.composerId ?? "composer";
    requestAnimationFrame(() => document.getElementById(id)?.focus());
  }

  /** A pin or a save, over REST (204): a pin shows as its `message_updated` arrives. */
  async function toggle(url: string, on: boolean, failed: string) {
    setError(null);
    try {
      const res = await fetch(url, { method: on ? "PUT" : "DELETE" });
      if (!res.ok) {
        const data = await res.json().catch(() => null);
        setError(data?.error?.message ?? failed);
      }
    } catch {
      setError("You are offline: try again once the chat is live.");
    }
  }

  return {
    openThread: options.openThread,
    pin(seq, on) {
      void toggle(`${base}/${seq}/pin`, on, "That message could not be pinned.");
    },
    isSaved: options.saved ? (seq) => options.saved!.value.has(seq) : undefined,
    save(seq, on) {
      if (options.saved) {
        const next = new Set(options.saved.peek());
        if (on) next.add(seq);
        else next.delete(seq);
        options.saved.value = next;
      }
      void toggle(
        `/api/saved/${conversationId}/${seq}`,
        on,
        "That message could not be saved.",
      );
    },
    startEdit(seq) {
      setEditing(seq);
    },
    cancelEdit() {
      setEditing(null);
      focusComposer();
    },
    saveEdit(seq, content) {
      const problem = contentProblem(content);
      if (problem) return problem;
      const current = options.find(seq);
      setEditing(null);
      focusComposer();
      if (current && current.content !== content.trim()) {
        void change(
          { type: "edit_message", conversationId, seq, content: content.trim() },
          "PATCH",
          `${seq}`,
          { content: content.trim() },
        );
      }
      return null;
    },
    remove(seq) {
      if (options.editing() === seq) setEditing(null);
      void change({ type: "delete_message", conversationId, seq }, "DELETE", `${seq}`);
    },
    react(seq, emoji, on) {
      void change(
        { type: "react", conversationId, seq, emoji, on },
        on ? "PUT" : "DELETE",
        `${seq}/reactions/${encodeURIComponent(emoji)}`,
      );
    },
  };
}
