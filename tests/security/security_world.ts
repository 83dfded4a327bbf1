/**
 * The objects the security tests attack: a "victim" world (people, conversations with
 * messages, a project with its conversation and a file) built through the real API, the
 * KV keys that hold it (listed from the key functions in lib/), and a digest of those
 * entries so a test can prove an attack changed nothing.
 */
import assert from "node:assert/strict";
import { ulid } from "ulid";
import type { Project } from "../../lib/projects/mod.ts";
import { json, type Person, registerUser, type TestApp, uploadInit } from "../support/helpers.ts";

type Fetcher = Pick<TestApp, "fetch">;

/** A conversation between `creator` and `others`, with `messages` posted by the creator. */
export async function conversationWith(
  app: Fetcher,
  creator: Person,
  others: Person[],
  options: { title?: string; messages?: string[] } = {},
): Promise<string> {
  const res = await app.fetch(
    "/api/conversations",
    json(
      "POST",
      { participantIds: others.map((o) => o.user.id), title: options.title },
      creator.cookie,
    ),
  );
  assert.ok(res.status === 201 || res.status === 200, `create conversation: ${res.status}`);
  const id: string = (await res.json()).conversation.id;
  for (const content of options.messages ?? []) await postMessage(app, creator, id, content);
  return id;
}

export async function postMessage(app: Fetcher, author: Person, id: string, content: string) {
  const res = await app.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content }, author.cookie),
  );
  assert.equal(res.status, 201, `post message: ${res.status}`);
  return (await res.json()).message;
}

/** A project owned by `owner` with `members` added as members. */
export async function projectWith(
  app: Fetcher,
  owner: Person,
  members: Person[],
  name = "Project",
): Promise<Project> {
  const res = await app.fetch("/api/projects", json("POST", { name }, owner.cookie));
  assert.equal(res.status, 201, `create project: ${res.status}`);
  const { project } = await res.json();
  for (const m of members) await addMember(app, owner, project.id, m);
  return project;
}

export async function addMember(app: Fetcher, actor: Person, projectId: string, who: Person) {
  const res = await app.fetch(
    `/api/projects/${projectId}/members`,
    json("POST", { username: who.user.username }, actor.cookie),
  );
  assert.equal(res.status, 201, `add member: ${res.status} ${await res.clone().text()}`);
}

/** Uploads a small text file as `who`; returns its id. */
export async function uploadFile(
  app: Fetcher,
  who: Person,
  projectId: string,
  name = "notes.txt",
  content = "the victim's private notes\n",
): Promise<string> {
  const res = await app.fetch(
    `/api/projects/${projectId}/files`,
    uploadInit(name, content, who.cookie),
  );
  assert.equal(res.status, 201, `upload: ${res.status} ${await res.clone().text()}`);
  return (await res.json()).file.id;
}

/** Text only Vic and Val may ever see: no answer to anyone else may contain any of it. */
export const VICTIM_SECRETS = [
  "first private message",
  "second private message",
  "group message",
  "a reply from Val",
  "Secret plans",
  "Secret project",
  "project chatter",
  "the victim's private notes",
];

/** The victim's world: Vic and Val (the other participant) and everything they share. */
export type VictimWorld = {
  vic: Person;
  val: Person;
  /** A direct and a group conversation, each with messages. */
  directId: string;
  groupId: string;
  project: Project;
  fileId: string;
  /** Ids that name nothing (well-formed ULIDs). */
  missing: { conversation: string; project: string; file: string; user: string };
};

/** Registers Vic and Val and builds their world through the API. */
export async function buildVictimWorld(app: Fetcher): Promise<VictimWorld> {
  // Not the helpers' default password: attackers guessing that one must not get in.
  const password = "victims keep their own passphrase 7";
  const vic = await registerUser(app, { displayName: "Vic Tim", password });
  const val = await registerUser(app, { displayName: "Val", password });
  const directId = await conversationWith(app, vic, [val], {
    messages: ["first private message", "second private message"],
  });
  const groupId = await conversationWith(app, vic, [val], {
    title: "Secret plans",
    messages: ["group message"],
  });
  await postMessage(app, val, directId, "a reply from Val");
  const project = await projectWith(app, vic, [val], "Secret project");
  await postMessage(app, vic, project.conversationId, "project chatter");
  const fileId = await uploadFile(app, val, project.id);
  return {
    vic,
    val,
    directId,
    groupId,
    project,
    fileId,
    missing: { conversation: ulid(), project: ulid(), file: ulid(), user: ulid() },
  };
}

/**
 * Every KV key (exact) or prefix holding the victim world, from the key functions in
 * lib/conversations.ts, lib/messages.ts, lib/projects.ts, lib/files.ts, lib/users.ts and
 * lib/sessions.ts. Entries other people may legitimately add (someone starting a
 * conversation with Vic adds a `user_conv` row for Vic) are covered by their exact keys.
 */
export function victimKeys(w: VictimWorld): { prefixes: Deno.KvKey[]; keys: Deno.KvKey[] } {
  const people = [w.vic.user.id, w.val.user.id];
  const conversations = [w.directId, w.groupId, w.project.conversationId];
  const prefixes: Deno.KvKey[] = [];
  const keys: Deno.KvKey[] = [];
  for (const c of conversations) {
    keys.push(["conv", c], ["conv_head", c], ["search_cursor", c]);
    prefixes.push(["msg", c], ["read_mark", c], ["msg_client", c], ["search", c], [
      "msg_change",
      c,
    ]);
    // Its integrations (issue 19): webhooks in and out, and where the outgoing ones are.
    prefixes.push(["webhook", c], ["out_webhook", c]);
    keys.push(["out_webhook_cursor", c]);
    for (const u of people) keys.push(["user_conv", u, c]);
  }
  keys.push(["direct_pair", ...people.toSorted()]);
  const p = w.project.id;
  keys.push(["project", p], ["project_usage", p], ["file_upload", w.fileId]);
  prefixes.push(["project_member", p], ["project_conv", p], ["file", p], ["file_chunk", w.fileId]);
  for (const u of people) keys.push(["user_project", u, p]);
  for (const person of [w.vic, w.val]) {
    keys.push(["user", person.user.id], ["user_by_name", person.user.username]);
    prefixes.push(["user_session", person.user.id], ["user_token", person.user.id], [
      "user_bot",
      person.user.id,
    ]);
  }
  return { prefixes, keys };
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Uint8Array) return `bytes:${Array.from(v).join(",")}`;
    if (v instanceof Deno.KvU64) return `u64:${v.value}`;
    if (typeof v === "bigint") return `bigint:${v}`;
    return v;
  });
}

/**
 * Per key, a SHA-256 of the entry's value and versionstamp (a rewrite with the same value
 * counts as a change), plus a count per prefix so a deleted or added entry shows too.
 */
export async function snapshotVictim(kv: Deno.Kv, w: VictimWorld): Promise<Map<string, string>> {
  const { prefixes, keys } = victimKeys(w);
  const out = new Map<string, string>();
  const add = async (entry: Deno.KvEntryMaybe<unknown>) => {
    const bytes = new TextEncoder().encode(stable([entry.value, entry.versionstamp]));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    out.set(stable(entry.key), Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
  };
  for (const key of keys) await add(await kv.get(key));
  for (const prefix of prefixes) {
    let n = 0;
    for await (const entry of kv.list({ prefix })) {
      n++;
      await add(entry);
    }
    out.set(`count ${stable(prefix)}`, String(n));
  }
  return out;
}

/** Asserts the snapshot still holds (naming the entries that changed). */
export async function assertVictimUnchanged(
  kv: Deno.Kv,
  w: VictimWorld,
  before: Map<string, string>,
): Promise<void> {
  const after = await snapshotVictim(kv, w);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) =>
    before.get(k) !== after.get(k)
  );
  assert.deepEqual(changed, [], `victim entries changed: ${changed.join("; ")}`);
}
