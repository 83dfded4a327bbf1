/// <reference lib="dom" />
import type { Signal } from "@preact/signals";
import type { Message } from "../../lib/messages/messages.ts";
import type { ClientFrame } from "../../lib/shared/protocol.ts";
import { chatSocket } from "./chat_socket.ts";
import { MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG } from "../../lib/shared/limits.ts";

/** The quick reactions offered by a message's "React" palette. */
export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "🙏", "👀", "✅"];

/** What a message row may ask of the room: edit, delete and react, by seq. */
export type MessageActions = {
  startEdit: (seq: number) => void;
  cancelEdit: () => void;
  /** Answers why the content cannot be saved (as sending would), or null once it went. */
  saveEdit: (seq: number, content: string) => string | null;
  remove: (seq: number) => void;
  react: (seq: number, emoji: string, on: boolean) => void;
};

/** The same limits as sending (`contentSchema`), said the same way. */
export function contentProblem(content: string): string | null {
  const text = content.trim();
  if (!text) return "Write something first.";
  if (text.length > MAX_MESSAGE_CHARS) return MESSAGE_TOO_LONG;
  return null;
}

/** Replaces the message with the same seq if it is loaded; one outside the window is left out. */
export function replaceLoaded(list: Message[], m: Message): Message[] | null {
  const i = list.findIndex((x) => x.seq === m.seq);
  return i < 0 ? null : list.map((x, j) => (j === i ? m : x));
}

/**
 * Edits, deletes and reactions of one conversation. They go over the socket (everyone in the
 * room, this tab included, gets `message_updated`); while it is down, over REST, whose answer
 * is applied here at once.
 */
export function messageActions(options: {
  conversationId: string;
  messages: Signal<Message[]>;
  editing: Signal<number | null>;
  error: Signal<string | null>;
  apply: (m: Message) => void;
}): MessageActions {
  const { conversationId, messages, editing, error, apply } = options;
  const base = `/api/conversations/${conversationId}/messages`;

  async function change(frame: ClientFrame, method: string, path: string, body?: unknown) {
    error.value = null;
    if (chatSocket().send(frame)) return;
    try {
      const res = await fetch(`${base}/${path}`, {
        method,
        headers: body ? { "content-type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const data = await res.json().catch(() => null);
      if (res.ok && data?.message) apply(data.message);
      else error.value = data?.error?.message ?? "That did not work: try again.";
    } catch {
      error.value = "You are offline: try again once the chat is live.";
    }
  }

  function focusComposer() {
    requestAnimationFrame(() => document.getElementById("composer")?.focus());
  }

  return {
    startEdit(seq) {
      editing.value = seq;
    },
    cancelEdit() {
      editing.value = null;
      focusComposer();
    },
    saveEdit(seq, content) {
      const problem = contentProblem(content);
      if (problem) return problem;
      const current = messages.peek().find((m) => m.seq === seq);
      editing.value = null;
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
      if (editing.peek() === seq) editing.value = null;
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
