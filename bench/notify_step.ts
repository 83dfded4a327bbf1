/**
 * The notifier's cost per step, in process: a store with a group of 100 (as the fan-out
 * bench's rooms: 100 messages from one sender, no mentions), one notifier step over them
 * repeated (cursor and pending marker reset each time), CPU of this process (all threads:
 * KV's SQLite thread too) per step. Cases: the bench's (the group default `mentions`, no
 * one subscribed); everyone at level `all`, no one subscribed; everyone at `all` with 5 of
 * them subscribed (each step then queues 500 pushes); email on with everyone's address
 * confirmed (the default level, no mentions).
 * MESSAGES (env, default 100): messages a step (the fan-out bench's steps see 10–60).
 * Usage: `deno run -A bench/notify_step.ts [root]` (root: another tree, e.g. a git worktree,
 * to pair before and after; its modules are loaded from there).
 */
const root = Deno.args[0]
  ? `file://${Deno.args[0].replace(/\/$/, "")}`
  : new URL("..", import.meta.url).href.replace(/\/$/, "");
const accounts = await import(`${root}/lib/accounts/mod.ts`);
const conversations = await import(`${root}/lib/conversations/mod.ts`);
const notify = await import(`${root}/lib/notify/mod.ts`);
const realtime = await import(`${root}/lib/realtime/mod.ts`);
const storage = await import(`${root}/lib/storage/mod.ts`);

const MESSAGES = Number(Deno.env.get("MESSAGES") ?? 100);

function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Email on, everyone with a confirmed address (a team that turned email on). */
const EVERYONE_EMAIL = {
  confirmedEmails: (_kv: Deno.Kv, ids: string[]) =>
    Promise.resolve(ids.map((u) => `${u}@example.com`)),
  delayMs: 60_000,
};

async function run(
  label: string,
  setup: (kv: Deno.Kv, people: { id: string }[], id: string) => Promise<void>,
  email: typeof EVERYONE_EMAIL | null = null,
) {
  const dir = await Deno.makeTempDir();
  const kv = await Deno.openKv(`${dir}/kv.sqlite`);
  const people = [];
  for (let i = 0; i < 100; i++) {
    people.push(
      await accounts.createUserWithoutPassword(kv, { username: `u${i}`, displayName: `User ${i}` }),
    );
  }
  const { conversation } = await conversations.createConversation(kv, people[0], {
    others: people.slice(1),
    title: "bench room",
  });
  const id = conversation.id;
  await setup(kv, people, id);
  const hub = new realtime.Hub(kv, { channelName: null, pollMs: 0 });
  for (let i = 0; i < MESSAGES; i++) {
    await hub.send(people[0], {
      conversationId: id,
      content: `message ${i} w1x w2x`,
      clientId: crypto.randomUUID(),
    });
  }
  await hub.indexed();
  const step = async () => {
    await kv.atomic().delete(storage.notifyCursorKey(id)).set(storage.notifyPendingKey(id), true)
      .commit();
    return await notify.notifyConversation(kv, id, {
      now: Date.now() + 60_000,
      graceMs: 0,
      email,
    });
  };
  for (let i = 0; i < 5; i++) await step();
  const N = 60;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let pushes = 0;
  for (let i = 0; i < N; i++) pushes += (await step()).pushes;
  const cpu = (cpuSeconds() - c0) / N;
  const wall = (performance.now() - t0) / N;
  console.log(
    `${label}: ${(cpu * 1e3).toFixed(2)} ms CPU, ${wall.toFixed(2)} ms wall a step (${
      pushes / N
    } pushes a step)`,
  );
  hub.close();
  await new Promise((r) => setTimeout(r, 50));
  kv.close();
  await Deno.remove(dir, { recursive: true });
}

await run("group of 100, default level (mentions), none subscribed", async () => {});
await run("group of 100, everyone at `all`, none subscribed", async (kv, people, id) => {
  for (const p of people) await notify.setNotifyPref(kv, p.id, id, { level: "all", muted: false });
});
await run("group of 100, everyone at `all`, 5 subscribed", async (kv, people, id) => {
  for (const p of people) await notify.setNotifyPref(kv, p.id, id, { level: "all", muted: false });
  for (const p of people.slice(1, 6)) {
    await notify.saveSubscription(kv, p.id, {
      endpoint: `https://push.example/${p.id}`,
      p256dh: "p",
      auth: "a",
      createdAt: new Date().toISOString(),
    });
  }
});
await run(
  "group of 100, default level, email on for everyone (no mentions)",
  async () => {},
  EVERYONE_EMAIL,
);
Deno.exit(0);
