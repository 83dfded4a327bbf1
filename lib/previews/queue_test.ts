/**
 * The send commit queues a message's preview job (lib/messages/send.ts): one per message with
 * a link, none for code or system messages, and never so many that the commit would pass KV's
 * 1,000 mutations (the messages are stored, the jobs that do not fit are left out).
 */
import assert from "node:assert/strict";
import { commitMessages, type SendRequest } from "../messages/mod.ts";
import { outboxQueuePrefix } from "../storage/mod.ts";
import { UNFURL_QUEUE, type UnfurlJob } from "../shared/message.ts";
import type { Job } from "../outbound/mod.ts";

const author = { id: "u1", username: "ann", displayName: "Ann" };

async function queued(kv: Deno.Kv): Promise<Job<UnfurlJob>[]> {
  const jobs: Job<UnfurlJob>[] = [];
  for await (const e of kv.list<Job<UnfurlJob>>({ prefix: outboxQueuePrefix(UNFURL_QUEUE) })) {
    jobs.push(e.value);
  }
  return jobs;
}

Deno.test("a send queues one unfurl job per message with a link, id <conv>.<seq>", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const requests: SendRequest[] = [
      { author, conversationId: "c1", content: "see https://a.example/x and https://b.example" },
      { author, conversationId: "c1", content: "`https://code.example`" },
      { author, conversationId: "c1", content: "no link" },
      { author, conversationId: "c2", content: "[docs](https://d.example/docs)" },
      {
        author,
        conversationId: "c1",
        content: "Ann pinned https://sys.example",
        system: { event: "pinned", seq: 1 },
      },
    ];
    const outcomes = await commitMessages(kv, requests);
    assert.ok(outcomes.every((o) => "created" in o && o.created));
    const jobs = await queued(kv);
    assert.deepEqual(
      jobs.map((j) => [j.id, j.payload]).sort(),
      [
        ["c1.1", { conversationId: "c1", seq: 1, url: "https://a.example/x" }],
        ["c2.1", { conversationId: "c2", seq: 1, url: "https://d.example/docs" }],
      ],
    );
  } finally {
    kv.close();
  }
});

Deno.test("a full commit stores every message and leaves out the jobs that do not fit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    // 200 messages with a link, a clientId and two files each: 4 mutations a message.
    const requests: SendRequest[] = Array.from({ length: 200 }, (_, i) => ({
      author,
      conversationId: "c1",
      clientId: `m${i}`,
      content: `link https://e.example/${i}`,
      attachments: [1, 2].map((n) => ({
        id: `f${i}-${n}`,
        name: "a.txt",
        size: 1,
        contentType: "text/plain",
      })),
    }));
    const outcomes = await commitMessages(kv, requests);
    assert.equal(outcomes.filter((o) => "created" in o && o.created).length, 200);
    const jobs = await queued(kv);
    // 200 × 4 + read mark + head + pending marker = 803 mutations: 98 jobs (2 each) fit.
    assert.equal(jobs.length, 98);
    const fewer = requests.map((r, i) => ({
      ...r,
      conversationId: "c2",
      clientId: `n${i}`,
      attachments: r.attachments!.slice(0, 1),
    }));
    await commitMessages(kv, fewer);
    const more = (await queued(kv)).filter((j) => j.payload.conversationId === "c2");
    // 200 × (record, clientId, file) + read mark + head + pending marker = 603: 198 jobs fit.
    assert.equal(more.length, 198);
    assert.deepEqual(more.map((j) => j.payload.seq).sort((a, b) => a - b).slice(0, 3), [1, 2, 3]);
  } finally {
    kv.close();
  }
});
