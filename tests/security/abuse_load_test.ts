/**
 * Issue 15, item 11: one person floods another with new conversations, and runs many
 * many-word searches at once. Bounded load on 127.0.0.1 against a server in its own process:
 * what got through, the server's memory after a full GC, and another person's latency while
 * it happens.
 */
import assert from "node:assert/strict";
import { commitMessages, type SendRequest } from "../../lib/messages/mod.ts";
import { createConversation } from "../../lib/conversations/mod.ts";
import { indexPending } from "../../lib/search/mod.ts";
import {
  latencies,
  MB,
  mb,
  percentile,
  pool,
  seedPerson,
  withSeededServer,
} from "./load_support.ts";

const json = (body: unknown, cookie: string): RequestInit & { cookie: string } => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
  cookie,
});

const stats = (times: number[]) =>
  `p50/p95 ${percentile(times, 50).toFixed(0)}/${percentile(times, 95).toFixed(0)} ms ` +
  `(${times.length} requests)`;

Deno.test({
  name: "abuse: a flood of new conversations is cut at the creation limit (item 11)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withSeededServer(async (kv) => ({
      ann: await seedPerson(kv, "ann"),
      ben: await seedPerson(kv, "ben"),
    }), async (server, { ann, ben }) => {
      const list = async () => {
        const res = await server.fetch("/api/conversations", { cookie: ben.cookie });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      };
      await list();
      const base = await server.memory();
      const statuses: number[] = [];
      const attack = pool(2000, 8, async (i) => {
        const res = await server.fetch(
          "/api/conversations",
          json({ usernames: ["ben"], title: `Room ${i}` }, ann.cookie),
        );
        statuses.push(res.status);
        if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) > 0);
        await res.arrayBuffer();
      });
      const times = await latencies(list, attack);
      await attack;
      const after = await server.memory();
      const listed = await (await server.fetch("/api/conversations", { cookie: ben.cookie }))
        .json();
      const start = performance.now();
      await list();
      const listMs = performance.now() - start;
      const created = statuses.filter((s) => s === 201).length;
      const limited = statuses.filter((s) => s === 429).length;
      console.log(
        `item 11 (creation): ${created} created, ${limited} answered 429 of 2000; ben's list ` +
          `holds ${listed.conversations.length}, read in ${listMs.toFixed(0)} ms after; ` +
          `ben's list during the flood ${stats(times)}; heap ${mb(base.heapUsed)} → ` +
          `${mb(after.heapUsed)}, rss ${mb(base.rss)} → ${mb(after.rss)}`,
      );
      assert.equal(statuses.filter((s) => s !== 201 && s !== 429).length, 0, "no other status");
      assert.ok(created <= 100, `at most the hour's 100 created: ${created}`);
      assert.ok(listed.conversations.length <= 100);
    });
  },
});

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
const CONVERSATIONS = 1500;

Deno.test({
  name: "abuse: parallel many-word searches are limited and bounded (item 11)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withSeededServer(async (kv) => {
      const ann = await seedPerson(kv, "ann");
      const bob = await seedPerson(kv, "bob");
      const cy = await seedPerson(kv, "cy");
      const dee = await seedPerson(kv, "dee");
      const ids: string[] = [];
      for (let i = 0; i < CONVERSATIONS; i++) {
        const { conversation } = await createConversation(kv, ann.user, {
          others: [bob.user],
          title: `Room ${i}`,
        });
        ids.push(conversation.id);
      }
      for (let i = 0; i < ids.length; i += 10) {
        const batch: SendRequest[] = ids.slice(i, i + 10).flatMap((conversationId) =>
          Array.from({ length: 10 }, (_, k) => ({
            author: k % 2 ? ann.user : bob.user,
            conversationId,
            content: `${WORDS.join(" ")} number ${k}`,
          }))
        );
        await commitMessages(kv, batch);
      }
      for (const id of ids) await indexPending(kv, id);
      const mine = (await createConversation(kv, cy.user, { others: [dee.user] })).conversation;
      await commitMessages(
        kv,
        Array.from({ length: 30 }, (_, k) => ({
          author: dee.user,
          conversationId: mine.id,
          content: `alpha lunch ${k}`,
        })),
      );
      await indexPending(kv, mine.id);
      return { ann, cy, mine: mine.id };
    }, async (server, { ann, cy, mine }) => {
      // Their own search too, every second at most (a person's own limit is 30 a minute).
      let searched = 0;
      const victim = async () => {
        const urls = [`/api/conversations/${mine}/messages`, `/api/conversations`];
        if (performance.now() - searched > 1000) {
          searched = performance.now();
          urls.push(`/api/search?q=lunch`);
        }
        for (const url of urls) {
          const res = await server.fetch(url, { cookie: cy.cookie });
          assert.equal(res.status, 200, `${url}: ${res.status}`);
          await res.arrayBuffer();
        }
      };
      await victim();
      const quiet = await latencies(victim, new Promise((r) => setTimeout(r, 1500)));
      const base = await server.memory();
      const q = WORDS.map((w) => w.slice(0, 2)).join(" ");
      const statuses: number[] = [];
      const searchMs: number[] = [];
      const began = performance.now();
      const search = async () => {
        const start = performance.now();
        const res = await server.fetch(`/api/search?q=${encodeURIComponent(q)}&limit=50`, {
          cookie: ann.cookie,
        });
        statuses.push(res.status);
        await res.arrayBuffer();
        if (res.status === 200) searchMs.push(performance.now() - start);
      };
      // Five searchers, each searching again as soon as answered, for 8 seconds.
      const attack = pool(5, 5, async () => {
        while (performance.now() - began < 8000) await search();
      });
      const busy = await latencies(victim, attack);
      await attack;
      const attackMs = performance.now() - began;
      const after = await server.memory();
      const ok = statuses.filter((s) => s === 200).length;
      console.log(
        `item 11 (search): ${ok} of ${statuses.length} searches answered, ${
          statuses.length - ok
        } 429, in ` +
          `${(attackMs / 1000).toFixed(1)} s (each answered: ${stats(searchMs)}); another ` +
          `person quiet ${stats(quiet)}, during ${stats(busy)}; heap ${mb(base.heapUsed)} → ` +
          `${mb(after.heapUsed)}, rss ${mb(base.rss)} → ${mb(after.rss)}`,
      );
      assert.equal(statuses.filter((s) => s !== 200 && s !== 429).length, 0, "no other status");
      assert.ok(ok < statuses.length, "searches past the person's limits are answered 429");
      // The limit is per minute: the test's 8 s can hold two windows' worth.
      assert.ok(ok <= 60, `at most a minute's 30 searches ran, twice: ${ok}`);
      assert.ok(after.heapUsed - base.heapUsed < 64 * MB);
    });
  },
});
