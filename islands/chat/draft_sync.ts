/// <reference lib="dom" />
/**
 * A composer's draft, kept on the server so it follows you to your other tabs and devices:
 * saved a moment after you stop typing (PUT /api/conversations/:id/draft), at once when the
 * page is hidden or left, cleared when you send; a `draft` frame from another tab or device
 * fills the composer in, unless you have typed something here that is not saved yet.
 */
import type { Signal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { Conversation } from "../../lib/conversations/mod.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import { chatSocket } from "../parts/chat_socket.ts";

/** A pause in typing this long saves the draft… */
export const DRAFT_PAUSE_MS = 600;
/** …and typing on and on saves it at least this often. */
export const DRAFT_MAX_WAIT_MS = 4_000;
/** Contents this composer saved lately: their frames coming back are its own echo. */
const ECHOES = 20;

/** The conversation payload's `draft` (lib/messages/conversation_views.ts), or null. */
export function draftOf(conversation: Conversation): string | null {
  return (conversation as Conversation & { draft?: string | null }).draft ?? null;
}

type DraftFrame = Extract<ServerFrame, { type: "draft" }>;

export type DraftSyncOptions = {
  conversationId: string;
  /** A thread's composer: the message it replies under. */
  parentSeq?: number | null;
  /** The text as it is now, and how to put another in the composer. */
  get(): string;
  set(text: string): void;
  /** The fetch to use (tests give their own). */
  fetch?: typeof fetch;
  pauseMs?: number;
  maxWaitMs?: number;
};

/**
 * The syncing itself, without Preact: `changed()` after each edit, `heard()` for each frame,
 * `sent()` when the composer sends, `flush()` when the page goes, `load()` to read the server's.
 * Saves go out one at a time, in order, so the last one written is the last one typed.
 */
export class DraftSync {
  #o: DraftSyncOptions;
  #url: string;
  #fetch: typeof fetch;
  /** What the server has, as far as this composer knows (null: not known yet). */
  #synced: string | null;
  #recent: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pendingSince = 0;
  /** A save failed (offline, a server error): the next chance saves again. */
  #failed = false;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: DraftSyncOptions, saved?: string | null) {
    this.#o = options;
    const base = `/api/conversations/${encodeURIComponent(options.conversationId)}/draft`;
    this.#url = options.parentSeq ? `${base}?parentSeq=${options.parentSeq}` : base;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#synced = saved === undefined ? null : saved ?? "";
  }

  get #parentSeq(): number | null {
    return this.#o.parentSeq ?? null;
  }

  /** The composer's text changed: a save is due after a pause. */
  changed(): void {
    if (this.#closed) return;
    const text = this.#o.get();
    // Not read yet (a thread's composer opening): an empty composer deletes nothing.
    if (this.#synced === null && text === "") return;
    if (text === this.#synced && !this.#failed) return this.#cancel();
    const now = Date.now();
    if (this.#timer === undefined) this.#pendingSince = now;
    clearTimeout(this.#timer);
    const waited = now - this.#pendingSince;
    const delay = Math.min(
      this.#o.pauseMs ?? DRAFT_PAUSE_MS,
      Math.max(0, (this.#o.maxWaitMs ?? DRAFT_MAX_WAIT_MS) - waited),
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#save(this.#o.get());
    }, delay);
  }

  /** Saves what is pending now (the page is hidden or going: `keepalive` outlives it). */
  flush(keepalive = false): void {
    if (this.#timer === undefined && !this.#failed) return;
    this.#cancel();
    this.#save(this.#o.get(), keepalive);
  }

  /** The composer sent its text (and emptied itself): the draft goes, here and everywhere. */
  sent(): void {
    this.#cancel();
    this.#save("");
  }

  /** A `draft` frame: another tab's or device's text, put in unless this one has its own. */
  heard(frame: DraftFrame): void {
    if (this.#closed) return;
    if (frame.conversationId !== this.#o.conversationId) return;
    if ((frame.parentSeq ?? null) !== this.#parentSeq) return;
    if (this.#recent.includes(frame.content)) return;
    this.#apply(frame.content);
  }

  /**
   * Reads the server's draft (a thread's composer opening, a socket back after a gap) and
   * puts it in unless this composer has unsaved text; unsaved text is saved instead.
   */
  async load(): Promise<void> {
    if (this.#timer !== undefined || this.#failed) return this.flush();
    try {
      const res = await this.#fetch(this.#url, { headers: { accept: "application/json" } });
      if (!res.ok) return;
      const body = await res.json() as { draft: { content: string } | null };
      this.#apply(body.draft?.content ?? "");
    } catch {
      // Offline: the next reconnect reads it.
    }
  }

  close(): void {
    this.flush(true);
    this.#closed = true;
  }

  /** Takes the server's text when this composer has nothing of its own unsaved. */
  #apply(content: string): void {
    const text = this.#o.get();
    if (this.#timer !== undefined || this.#failed) return;
    if (text !== (this.#synced ?? "") && text !== content) return;
    this.#synced = content;
    this.#recent = [];
    if (text !== content) this.#o.set(content);
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #save(content: string, keepalive = false): void {
    this.#synced = content;
    this.#failed = false;
    this.#recent = [...this.#recent.filter((c) => c !== content), content].slice(-ECHOES);
    const body = JSON.stringify(
      this.#parentSeq ? { content, parentSeq: this.#parentSeq } : { content },
    );
    const put = async () => {
      try {
        const res = await this.#fetch(this.#url.replace(/\?.*$/, ""), {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body,
          keepalive,
        });
        // Refused for good (gone from the conversation, too long): not tried again.
        if (res.status >= 500 || res.status === 429) this.#failedOn(content);
      } catch {
        this.#failedOn(content);
      }
    };
    // Leaving the page: at once (the queue may not get another turn).
    if (keepalive) void put();
    else this.#chain = this.#chain.then(put);
  }

  #failedOn(content: string): void {
    if (this.#synced === content) this.#failed = true;
  }

  /** Resolves when every save so far was answered (tests). */
  settled(): Promise<void> {
    return this.#chain;
  }
}

/**
 * The hook the composer calls with its text signal. `saved`: the draft the page came with
 * (the conversation payload's `draft`); leave it out for a thread's composer, whose draft is
 * read when it opens. Call `sent()` when the composer sends (after emptying its text).
 */
export function useDraftSync(
  text: Signal<string>,
  where: { conversationId: string; parentSeq?: number | null; saved?: string | null },
): { sent(): void } {
  const { conversationId, parentSeq = null } = where;
  const sync = useMemo(
    () =>
      new DraftSync({
        conversationId,
        parentSeq,
        get: () => text.peek(),
        set: (t) => (text.value = t),
      }, where.saved),
    [conversationId, parentSeq],
  );
  const current = text.value;
  useEffect(() => sync.changed(), [sync, current]);
  useEffect(() => {
    const socket = chatSocket();
    const off = socket.on((frame) => frame.type === "draft" && sync.heard(frame));
    // A socket back after a gap may have missed frames: read the draft again.
    let wasOpen = socket.state === "open";
    const offState = socket.onState((s) => {
      if (s === "open" && !wasOpen) void sync.load();
      wasOpen = s === "open";
    });
    if (where.saved === undefined) void sync.load();
    const hide = () => document.visibilityState === "hidden" && sync.flush(true);
    const leave = () => sync.flush(true);
    document.addEventListener("visibilitychange", hide);
    addEventListener("pagehide", leave);
    return () => {
      off();
      offState();
      document.removeEventListener("visibilitychange", hide);
      removeEventListener("pagehide", leave);
      sync.close();
    };
  }, [sync]);
  return { sent: () => sync.sent() };
}
