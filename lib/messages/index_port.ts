/**
 * What messages need of a search index, declared here and supplied from above: lib/search
 * sits over messages (it reads them) and messages never import it.
 * - A MessageWriter is given a MessageIndexer (lib/search's SearchIndexer) where it is built.
 * - A single send (sendMessage) and a message change (changeMessage) use the SearchHooks
 *   that lib/search/mod.ts installs when it is loaded: a program that can search (the
 *   server, the scripts and tests that search) keeps the index; one without lib/search
 *   writes none, and search (if it ever runs on that store) matches the unindexed messages
 *   from the search cursor on.
 */
import type { MessageRecord } from "../shared/message.ts";

/**
 * One commit's new messages of one conversation, as stored: the commit checked the
 * conversation's head at versionstamp `after` (null: no head yet) and wrote it at
 * `versionstamp`. Every write to a message record writes its conversation's head, so an
 * indexer that finds the head still at `versionstamp` knows these records are current.
 */
export type StoredMessages = {
  conversationId: string;
  records: MessageRecord[];
  after: string | null;
  versionstamp: string;
};

/** A writer's indexer: told of new messages, it indexes them in commits of its own. */
export interface MessageIndexer {
  /** `count` new messages were stored in the conversation. */
  add(conversationId: string, count: number): void;
  /** The records a commit stored (before `add` of them): indexing need not read them back. */
  stored?(commit: StoredMessages[]): void;
  /** Resolves when the indexer is not too far behind (the writer waits before a commit). */
  caughtUp(): Promise<void>;
  /** Resolves when everything handed over so far is indexed. */
  idle(): Promise<void>;
  /** Stops after the commit in flight (shutdown). */
  close(): void;
}

export interface SearchHooks {
  /** A new indexer for a writer on `kv`. */
  indexer(kv: Deno.Kv): MessageIndexer;
  /** Indexes every message stored in the conversation so far, now. */
  indexNow(kv: Deno.Kv, conversationId: string): Promise<void>;
  /**
   * Adds to `op` (the change's own commit) what keeps the index right when a stored
   * message's text changes from `before` to `after` (an edit, a delete).
   */
  textChanged(
    kv: Deno.Kv,
    op: Deno.AtomicOperation,
    before: MessageRecord,
    after: MessageRecord,
  ): Promise<void>;
}

let installed: SearchHooks | null = null;

/** Called by lib/search/mod.ts as it loads. */
export function installSearchHooks(hooks: SearchHooks): void {
  installed = hooks;
}

/** The installed hooks, or null when no search module was loaded. */
export function searchHooks(): SearchHooks | null {
  return installed;
}
