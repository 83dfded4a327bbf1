import assert from "node:assert/strict";
import type { Conversation } from "../../lib/conversations/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import { packConversationListProps, unpackConversationListProps } from "./list_props.ts";

const ann: User = { id: "A", username: "ann", displayName: "Ann", isAdmin: true, isBot: false };
const ben: User = { id: "B", username: "ben", displayName: "Ben", isAdmin: false, isBot: false };
const gone = (): User => ({ id: "G", username: "deleted", displayName: "Deleted account" });

function message(conversationId: string, author: User, extra: Partial<Message> = {}): Message {
  return {
    id: `m-${conversationId}`,
    conversationId,
    seq: 3,
    author,
    content: "hello & <b>",
    clientId: null,
    createdAt: "2030-01-01T00:00:00.000Z",
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    formatted: null,
    ...extra,
  };
}

function row(id: string, extra: Record<string, unknown> = {}): Conversation {
  return {
    id,
    kind: "group",
    title: null,
    projectId: null,
    participants: [ann, ben],
    lastMessage: message(id, ben),
    unreadCount: 1,
    mentionCount: 0,
    updatedAt: "2030-01-01T00:00:00.000Z",
    topic: "",
    visibility: null,
    archived: false,
    memberCount: 2,
    createdBy: ann,
    draft: null,
    notifications: { level: "mentions", muted: false },
    ...extra,
  } as Conversation;
}

Deno.test("the sidebar's packed props give back exactly the rows the server rendered", () => {
  const props = {
    me: ann,
    nextCursor: "x|y",
    currentId: "c2",
    browsing: false,
    dndUntil: null,
    conversations: [
      row("c1"),
      // Everything off its usual value: kept as it is.
      row("c2", {
        kind: "channel",
        title: "general",
        projectId: "p1",
        topic: "News",
        visibility: "private",
        archived: true,
        draft: "half a thought",
        notifications: { level: "mentions", muted: true },
        createdBy: null,
        lastMessage: message("elsewhere", ann, {
          clientId: "k",
          editedAt: "2030-01-02T00:00:00.000Z",
          reactions: [{ emoji: "👍", userIds: ["B"] }] as Message["reactions"],
        }),
      }),
      // A direct conversation's default setting is `all`; a deleted account is a fresh object.
      row("c3", {
        kind: "direct",
        participants: [ann, gone()],
        lastMessage: message("c3", gone()),
        notifications: { level: "all", muted: false },
      }),
      row("c4", { lastMessage: null, notifications: undefined }),
      // The same id with other details (never on one page, but never merged either).
      row("c5", { participants: [ann, { ...ben, displayName: "Benjamin" }] }),
    ],
  };
  delete (props.conversations[3] as { notifications?: unknown }).notifications;
  const packed = packConversationListProps(props);
  const wire = JSON.parse(JSON.stringify(packed));
  assert.deepEqual(unpackConversationListProps(wire), props);
  // Packed: each person once (Ben twice: two different Bens), rows name them by index.
  assert.deepEqual(
    packed.people.map((u) => u.displayName),
    ["Ann", "Ben", "Deleted account", "Benjamin"],
  );
  const first = packed.conversations[0];
  assert.deepEqual(first.participants, [0, 1]);
  for (const key of ["title", "projectId", "topic", "visibility", "archived", "draft"]) {
    assert.ok(!(key in first), key);
  }
  assert.equal(first.notifications, 0);
  assert.ok(JSON.stringify(packed).length < JSON.stringify(props).length * 0.6);
});

Deno.test("props that were never packed pass through unchanged", () => {
  const props = { me: ann, conversations: [row("c1")], nextCursor: null };
  assert.equal(unpackConversationListProps(props), props);
});
