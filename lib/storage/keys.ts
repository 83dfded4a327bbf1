/**
 * Every KV key the app writes, one builder per kind: the key table of docs/architecture.md as
 * code. Each key starts with a string naming its kind; a prefix builder lists a kind's keys
 * under one parent. The module named beside each kind owns it: only that module writes it
 * (tests/layout_test.ts finds any other key literal in lib/).
 */

// accounts/
/** users.ts: the user record. */
export const userKey = (userId: string) => ["user", userId];
export const usersPrefix = () => ["user"];
/** users.ts: a username (lower case) → user id. */
export const usernameKey = (username: string) => ["user_by_name", username.toLowerCase()];
/** sessions.ts: a session by its token's hash. */
export const sessionKey = (tokenHash: string) => ["session", tokenHash];
/** sessions.ts: the sessions of one user. */
export const userSessionKey = (userId: string, tokenHash: string) => [
  "user_session",
  userId,
  tokenHash,
];
export const userSessionsPrefix = (userId: string) => ["user_session", userId];
/** identities.ts: a provider's subject → user id. */
export const identityKey = (provider: string, subject: string) => ["identity", provider, subject];
/** identities.ts: the identities linked to a user. */
export const userIdentityKey = (userId: string, provider: string) => [
  "user_identity",
  userId,
  provider,
];
export const userIdentitiesPrefix = (userId: string) => ["user_identity", userId];
/** oauth.ts: an OAuth sign-in under way (10 min). */
export const oauthStateKey = (state: string) => ["oauth_state", state];
/** events.ts: accounts whose sockets end. */
export const accountEventsKey = () => ["account_events"];

// conversations/
/** The conversation record. */
export const conversationKey = (conversationId: string) => ["conv", conversationId];
/** A user takes part in a conversation. */
export const membershipKey = (userId: string, conversationId: string) => [
  "user_conv",
  userId,
  conversationId,
];
export const membershipsPrefix = (userId: string) => ["user_conv", userId];
/** A project's conversation. */
export const projectConversationKey = (projectId: string, conversationId: string) => [
  "project_conv",
  projectId,
  conversationId,
];
export const projectConversationsPrefix = (projectId: string) => ["project_conv", projectId];
/** One direct conversation per pair of people: the pair, sorted, points at it. */
export const directPairKey = (a: string, b: string) => ["direct_pair", ...[a, b].sort()];
/** The head: `{seq, rev, members, updatedAt, lastMessage}`. */
export const headKey = (conversationId: string) => ["conv_head", conversationId];

// messages/
export const messageKey = (conversationId: string, seq: number) => ["msg", conversationId, seq];
export const messagesPrefix = (conversationId: string) => ["msg", conversationId];
/** A sender's clientId → the seq it was stored as (a repeated send is stored once). */
export const clientIdKey = (conversationId: string, authorId: string, clientId: string) => [
  "msg_client",
  conversationId,
  authorId,
  clientId,
];
/** changes.ts: which seq the change `rev` touched. */
export const changeKey = (conversationId: string, rev: number) => [
  "msg_change",
  conversationId,
  rev,
];
/** The highest seq a user has read. */
export const readMarkKey = (conversationId: string, userId: string) => [
  "read_mark",
  conversationId,
  userId,
];
/**
 * A message attaches a file: `["file_ref", fileId, conv, seq]` (deleting the message or the
 * file removes it; a file with references is shown as attached).
 */
export const fileRefKey = (fileId: string, conversationId: string, seq: number) => [
  "file_ref",
  fileId,
  conversationId,
  seq,
];
export const fileRefsPrefix = (fileId: string) => ["file_ref", fileId];
/** Kinds of keys under a conversation id that go when the conversation does. */
export const PER_CONVERSATION_KINDS = ["msg", "msg_change", "msg_client", "read_mark", "search"];

// search/
/** A posting: one commit's messages of a conversation holding `token`. */
export const searchKey = (conversationId: string, token: string, firstSeq: number) => [
  "search",
  conversationId,
  token,
  firstSeq,
];
export const searchWordPrefix = (conversationId: string, token: string) => [
  "search",
  conversationId,
  token,
];
/** The seq up to which a conversation's messages are in its postings. */
export const searchCursorKey = (conversationId: string) => ["search_cursor", conversationId];

// projects/
export const projectKey = (projectId: string) => ["project", projectId];
export const projectMemberKey = (projectId: string, userId: string) => [
  "project_member",
  projectId,
  userId,
];
export const projectMembersPrefix = (projectId: string) => ["project_member", projectId];
export const userProjectKey = (userId: string, projectId: string) => [
  "user_project",
  userId,
  projectId,
];
export const userProjectsPrefix = (userId: string) => ["user_project", userId];

// files/
/** A file record in an area (a project, or a conversation outside one). */
export const fileKey = (areaId: string, fileId: string) => ["file", areaId, fileId];
export const areaFilesPrefix = (areaId: string) => ["file", areaId];
/** ≤ 64 KiB of a file's bytes. */
export const chunkKey = (fileId: string, index: number) => ["file_chunk", fileId, index];
export const chunksPrefix = (fileId: string) => ["file_chunk", fileId];
/** Present while an upload runs; one left behind marks chunks to sweep. */
export const uploadKey = (fileId: string) => ["file_upload", fileId];
export const uploadsPrefix = () => ["file_upload"];
/** Bytes stored in an area (a project's or a conversation's; the name predates the latter). */
export const usageKey = (areaId: string) => ["project_usage", areaId];

// realtime/
/** One hub's view of who is in a room (90 s). */
export const presenceKey = (conversationId: string, hubId: string) => [
  "presence",
  conversationId,
  hubId,
];
export const presencePrefix = (conversationId: string) => ["presence", conversationId];
/** Bumped by every change of a room's views. */
export const presenceRevKey = (conversationId: string) => ["presence_rev", conversationId];

// ops/
/** A rate-limit counter for one window. */
export const rateKey = (name: Deno.KvKey, window: number) => ["rate", ...name, window];
