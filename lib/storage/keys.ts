/**
 * Every KV key the app writes, one builder per kind (docs/architecture.md's key table as code),
 * each key led by its kind's name. Only the module named beside a kind writes it (layout_test
 * finds any other key literal in lib/), besides a whole-store import (admin/backup.ts) and a
 * conversation's deletion with everything under its id (conversations/delete.ts).
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
/**
 * founding.ts: `{at, userId|null}`, written by the commit that creates the store's first account
 * (which becomes the site admin), or with userId null when a store made before site admins
 * existed already has accounts (nobody is made admin then).
 */
export const foundedKey = () => ["site_founded"];
/** site.ts: the site's settings an admin changed at run time (name, registration, invites). */
export const siteSettingsKey = () => ["site_settings"];
/** invites.ts: an invite `{id, code, maxUses, uses, expiresAt, createdBy, revokedAt}`. */
export const inviteKey = (inviteId: string) => ["invite", inviteId];
export const invitesPrefix = () => ["invite"];
/** invites.ts: an invite's code points at its id. */
export const inviteCodeKey = (code: string) => ["invite_code", code];

/** email.ts: a person's email address, `{address, confirmedAt|null, unsubscribed}`. */
export const userEmailKey = (userId: string) => ["user_email", userId];
/** email.ts: a confirmed address (lower case) → user id: one account per address. */
export const emailOwnerKey = (address: string) => ["email_owner", address.toLowerCase()];
/** email.ts: a confirmation link's token hash → `{userId, address, expiresAt}` (1 day). */
export const emailTokenKey = (tokenHash: string) => ["email_token", tokenHash];
/** tokens.ts: an access token by its secret's hash, `{id, userId, name, expiresAt, …}`. */
export const apiTokenKey = (tokenHash: string) => ["api_token", tokenHash];
/** tokens.ts: one of a user's tokens by id → its hash and what the list shows. */
export const userTokenKey = (userId: string, tokenId: string) => ["user_token", userId, tokenId];
export const userTokensPrefix = (userId: string) => ["user_token", userId];
/** bots.ts: a bot of its owner's (the bot's record names its owner too). */
export const userBotKey = (ownerId: string, botId: string) => ["user_bot", ownerId, botId];
export const userBotsPrefix = (ownerId: string) => ["user_bot", ownerId];
/** reset.ts: a password-reset link's token hash → `{userId, expiresAt}` (1 hour, one use). */
export const resetTokenKey = (tokenHash: string) => ["reset_token", tokenHash];

// conversations/
/** create.ts, membership.ts (participants): the conversation record. */
export const conversationKey = (conversationId: string) => ["conv", conversationId];
/** create.ts, membership.ts: a user takes part in a conversation. */
export const membershipKey = (userId: string, conversationId: string) => [
  "user_conv",
  userId,
  conversationId,
];
export const membershipsPrefix = (userId: string) => ["user_conv", userId];
/** create.ts: a conversation of a project. */
export const projectConversationKey = (projectId: string, conversationId: string) => [
  "project_conv",
  projectId,
  conversationId,
];
export const projectConversationsPrefix = (projectId: string) => ["project_conv", projectId];
/** create.ts: one direct conversation per pair of people: the pair, sorted, points at it. */
export const directPairKey = (a: string, b: string) => ["direct_pair", ...[a, b].sort()];
/** channels.ts: a channel's name, lower-cased, points at its id (names are unique). */
export const channelNameKey = (name: string) => ["channel_name", name.toLowerCase()];
/** channels.ts: every channel, for the directory: `{visibility, archived, title}`. */
export const channelKey = (conversationId: string) => ["channel", conversationId];
export const channelsPrefix = () => ["channel"];
/** blocks.ts: `blockerId` takes no conversations (nor project additions) from `blockedId`. */
export const blockKey = (blockerId: string, blockedId: string) => ["block", blockerId, blockedId];
export const blocksPrefix = (blockerId: string) => ["block", blockerId];
/**
 * head.ts: the head, `{seq, rev, members, updatedAt, lastMessage}`. Only head.ts writes it,
 * each change in the caller's commit: a send (messages/send.ts), a message change
 * (messages/changes.ts), a participant change or a deletion (membership.ts, delete.ts).
 */
export const headKey = (conversationId: string) => ["conv_head", conversationId];
export const headsPrefix = () => ["conv_head"];

// messages/
/** send.ts: a message (changes.ts rewrites it on an edit, delete, reaction or detach). */
export const messageKey = (conversationId: string, seq: number) => ["msg", conversationId, seq];
export const messagesPrefix = (conversationId: string) => ["msg", conversationId];
/** send.ts: a sender's clientId → the seq it was stored as (a repeated send is stored once). */
export const clientIdKey = (conversationId: string, authorId: string, clientId: string) => [
  "msg_client",
  conversationId,
  authorId,
  clientId,
];
/** send.ts: a UUIDv7 clientId (time first: a commit's entries land together) → its seq. */
export const clientIdByTimeKey = (id: string, conv: string, author: string) => [
  "msg_client_t",
  id,
  conv,
  author,
];
/** changes.ts: which seq the change `rev` touched. */
export const changeKey = (conversationId: string, rev: number) => [
  "msg_change",
  conversationId,
  rev,
];
/**
 * read_marks.ts and send.ts (an author has read their own message): the highest seq a user
 * has read. Deleted with the membership (conversations/membership.ts).
 */
export const readMarkKey = (conversationId: string, userId: string) => [
  "read_mark",
  conversationId,
  userId,
];
/**
 * send.ts writes, attachments.ts deletes: a message attaches a file,
 * `["file_ref", fileId, conv, seq]` (a file with references is shown as attached).
 */
export const fileRefKey = (fileId: string, conversationId: string, seq: number) => [
  "file_ref",
  fileId,
  conversationId,
  seq,
];
export const fileRefsPrefix = (fileId: string) => ["file_ref", fileId];
/**
 * send.ts: a reply `seq` answers the top-level message `parentSeq` (the thread's replies, in
 * order), written in the reply's commit.
 */
export const threadReplyKey = (conversationId: string, parentSeq: number, seq: number) => [
  "thread_reply",
  conversationId,
  parentSeq,
  seq,
];
export const threadRepliesPrefix = (conversationId: string, parentSeq: number) => [
  "thread_reply",
  conversationId,
  parentSeq,
];
/**
 * threads.ts: a person takes part in a thread (started, replied, mentioned):
 * `{lastReplyAt, readSeq}`, for "your threads".
 */
export const userThreadKey = (userId: string, conversationId: string, parentSeq: number) => [
  "user_thread",
  userId,
  conversationId,
  parentSeq,
];
export const userThreadsPrefix = (userId: string) => ["user_thread", userId];
/** pins.ts: message `seq` is pinned in the conversation: `{by, at}`. */
export const pinKey = (conversationId: string, seq: number) => ["pin", conversationId, seq];
export const pinsPrefix = (conversationId: string) => ["pin", conversationId];
/** saved.ts: a saved message, listed newest first: `{conversationId, seq, savedAt}`. */
export const savedKey = (userId: string, savedId: string) => ["saved", userId, savedId];
export const savedPrefix = (userId: string) => ["saved", userId];
/** saved.ts: whether a message is saved (its savedId), to toggle it. */
export const savedMessageKey = (userId: string, conversationId: string, seq: number) => [
  "saved_msg",
  userId,
  conversationId,
  seq,
];
/** drafts.ts: what a person is typing in a conversation (parentSeq 0) or a thread. */
export const draftKey = (userId: string, conversationId: string, parentSeq: number) => [
  "draft",
  userId,
  conversationId,
  parentSeq,
];
export const draftsPrefix = (userId: string) => ["draft", userId];
/**
 * Kinds of keys under a conversation id that go when the conversation does (all of them,
 * whoever owns them, deleted by conversations/delete.ts).
 */
export const PER_CONVERSATION_KINDS = [
  "msg",
  "msg_change",
  "msg_client",
  "read_mark",
  "search",
  "thread_reply",
  "pin",
  "webhook",
  "out_webhook",
  "out_webhook_cursor",
];
/**
 * Kinds a whole-store export (admin/backup.ts) leaves out: they expire on their own and mean
 * nothing in another store.
 */
export const EPHEMERAL_KINDS = [
  ...["rate", "oauth_state", "file_upload", "account_events", "presence", "presence_rev"],
  ...["signal", "signal_hub", "online", "process_lease", "readyz", "thread_inbox"],
  ...["email_token", "reset_token", "webhook_delivery", "unfurl", "preview_image", "profiles_rev"],
];
/** Kinds an export holds only when asked to (signing everyone in again is the safe default). */
export const SESSION_KINDS = ["session", "user_session"];

/**
 * threads.ts: a person's count of threads with unread replies, kept for the sidebar:
 * `{unreadThreads, at}`, or `{stale: true}` once a reply, a read or a mention may have moved it.
 */
export const threadInboxKey = (userId: string) => ["thread_inbox", userId];
/**
 * users.ts: moved (KvU64 sum) by every commit that changes what others see of an account
 * (deleted; made or unmade site admin): caches of rendered authors compare its versionstamp.
 */
export const profilesRevKey = () => ["profiles_rev"];

// search/
/** index.ts, written by indexer.ts: one commit's messages of a conversation holding `token`. */
export const searchKey = (conversationId: string, token: string, firstSeq: number) => [
  "search",
  conversationId,
  token,
  firstSeq,
];
/** Every posting of a conversation. */
export const searchPrefix = (conversationId: string) => ["search", conversationId];
export const searchWordPrefix = (convId: string, token: string) => ["search", convId, token];
/**
 * indexer.ts: the seq up to which a conversation's messages are in its postings (absent: 0;
 * admin/migrate.ts sets it for stores from before the indexer).
 */
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
export const filesPrefix = () => ["file"];
/** ≤ 64 KiB of a file's bytes. */
export const chunkKey = (fileId: string, index: number) => ["file_chunk", fileId, index];
export const chunksPrefix = (fileId: string) => ["file_chunk", fileId];
/** Present while an upload runs; one left behind marks chunks to sweep. */
export const uploadKey = (fileId: string) => ["file_upload", fileId];
export const uploadsPrefix = () => ["file_upload"];
/**
 * orphans.ts: a running process's lease, `{seenAt}` renewed every few seconds; an upload
 * marker whose boot has no fresh lease belongs to a process that is gone.
 */
export const bootKey = (bootId: string) => ["process_lease", bootId];
/** Bytes stored in an area (a project's or a conversation's; the name predates the latter). */
export const usageKey = (areaId: string) => ["project_usage", areaId];
/** usage.ts: bytes of the files a user uploaded, in every area (the per-user quota). */
export const userUsageKey = (userId: string) => ["user_usage", userId];

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
/** signals.ts: one of a hub's signals to the other processes (typing, activity; 60 s). */
export const signalKey = (hubId: string, seq: number) => ["signal", hubId, seq];
export const signalsPrefix = (hubId: string) => ["signal", hubId];
/** signals.ts: a hub that signals, `{at}` (90 s, renewed): where the others read. */
export const signalHubKey = (hubId: string) => ["signal_hub", hubId];
export const signalHubsPrefix = () => ["signal_hub"];
/** people.ts: a person with a socket on a hub, `{away, at}` (90 s, renewed). */
export const onlineKey = (userId: string, hubId: string) => ["online", userId, hubId];
export const onlinePrefix = (userId: string) => ["online", userId];

// outbound/
/**
 * queue.ts: a durable job, due at `dueMs` (a taken job is moved a lease ahead; a crash leaves
 * it to fall due again). Listed by queue in due order.
 */
export const outboxKey = (queue: string, dueMs: number, id: string) => [
  "outbox",
  queue,
  dueMs,
  id,
];
export const outboxQueuePrefix = (queue: string) => ["outbox", queue];
/** queue.ts: a job's id → its current dueMs (finds a job by id; one job per id). */
export const outboxJobKey = (queue: string, id: string) => ["outbox_job", queue, id];

// notify/
/** prefs.ts: one person's setting for one conversation, `{level, muted}`. */
export const notifyPrefKey = (userId: string, conversationId: string) => [
  "notify_pref",
  userId,
  conversationId,
];
export const notifyPrefsPrefix = (userId: string) => ["notify_pref", userId];
/** prefs.ts: do-not-disturb, `{until}` (epoch ms). */
export const dndKey = (userId: string) => ["dnd", userId];
/** push.ts: the site's VAPID key pair (made on first start; the private half never leaves). */
export const vapidKey = () => ["vapid_keys"];
/** push.ts: one of a person's push subscriptions, by its endpoint's hash. */
export const pushSubKey = (userId: string, endpointHash: string) => [
  "push_sub",
  userId,
  endpointHash,
];
export const pushSubsPrefix = (userId: string) => ["push_sub", userId];
/** push.ts: how many subscriptions a person holds (absent: none), set with each add/remove. */
export const pushSubCountKey = (userId: string) => ["push_sub_count", userId];
/** push_counts.ts: every subscription / every count (the recount of stores from before it). */
export const pushSubsAllPrefix = () => ["push_sub"];
export const pushSubCountPrefix = () => ["push_sub_count"];
/** push.ts: which account holds the subscription at this endpoint (its hash) → userId. */
export const pushEndpointKey = (endpointHash: string) => ["push_endpoint", endpointHash];
/**
 * dispatch.ts: a conversation has messages the notifier has not looked at yet (set in the
 * commit that stores them); the notifier's cursor is the last seq it looked at.
 */
export const notifyPendingKey = (conversationId: string) => ["notify_pending", conversationId];
export const notifyPendingPrefix = () => ["notify_pending"];
export const notifyCursorKey = (conversationId: string) => ["notify_cursor", conversationId];
/** digest.ts: a mention or direct message to email about if still unread when the digest runs. */
export const missedKey = (userId: string, conversationId: string, seq: number) => [
  "mail_missed",
  userId,
  conversationId,
  seq,
];
export const missedPrefix = (userId: string) => ["mail_missed", userId];

// integrations/
/** incoming.ts: a conversation's incoming webhook `{id, name, secret, botId, createdBy…}`. */
export const webhookKey = (convId: string, hookId: string) => ["webhook", convId, hookId];
export const webhooksPrefix = (convId: string) => ["webhook", convId];
/** incoming.ts, outgoing.ts: a webhook's id → `{conversationId, kind: "incoming"|"outgoing"}`. */
export const webhookIdKey = (hookId: string) => ["webhook_id", hookId];
/** outgoing.ts: an outgoing webhook `{id, url, events, triggerWords, secret, botId, …}`. */
export const outgoingHookKey = (convId: string, hookId: string) => ["out_webhook", convId, hookId];
export const outgoingHooksPrefix = (convId: string) => ["out_webhook", convId];
/**
 * outgoing.ts: the last seq a conversation's outgoing webhooks were looked at for; it exists
 * while the conversation has some, so listing the prefix finds them.
 */
export const outgoingCursorKey = (convId: string) => ["out_webhook_cursor", convId];
export const outgoingCursorsPrefix = () => ["out_webhook_cursor"];
/** outgoing.ts: one delivery's record in a webhook's recent log (7 days). */
export const deliveryLogKey = (hookId: string, atMs: number, id: string) => [
  "webhook_delivery",
  hookId,
  atMs,
  id,
];
export const deliveryLogPrefix = (hookId: string) => ["webhook_delivery", hookId];

// previews/
/** unfurl.ts: a URL's preview (its SHA-256), `{preview|null, at}`: fetched at most once a day. */
export const unfurlKey = (urlHash: string) => ["unfurl", urlHash];
/** image.ts: a preview image's bytes in chunks under its URL's hash (a day; fetched again then). */
export const previewImageKey = (urlHash: string, n: number) => ["preview_image", urlHash, n];
export const previewImagePrefix = (urlHash: string) => ["preview_image", urlHash];

/** admin/migrate.ts: a one-off migration step that has run to its end (value: when, ISO). */
export const migrationKey = (name: string) => ["migration", name];

// ops/
/** routes/ops.ts: what /readyz writes to prove the store takes writes. */
export const readyzKey = () => ["readyz"];
/** A rate-limit counter for one window. */
export const rateKey = (name: Deno.KvKey, window: number) => ["rate", ...name, window];
