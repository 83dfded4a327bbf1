/**
 * Issue 15, item 12: the history cache held what its size did not count. One person in a
 * conversation of messages heavy with reactions asks for its history over and over: first
 * 500 times with `before=` above the head (each was a new key for the same newest page),
 * then once for each of 100 real, distinct pages. The server's memory (after a full GC) is
 * measured before and after, and another person's requests are timed meanwhile.
 */
import assert from "node:assert/strict";
import { createConversation } from "../../lib/conversations/mod.ts";
import { changeMessage, sendMessage } from "../../lib/messages/mod.ts";
import {
  latencies,
  MB,
  mb,
  percentile,
  pool,
  seedPerson,
  withSeededServer,
} from "./load_support.ts";

const MESSAGES = 200;
const EMOJI = [..."😀😂😍🎉👍🙏🔥💯🚀👀🤔😎😭🥳✅❌💡🍕🌈⭐"];

Deno.test({
  name: "history cache: repeated and distinct pages keep server memory bounded (item 12)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withSeededServer(async (kv) => {
      const ann = await seedPerson(kv, "ann");
      const ben = await seedPerson(kv, "ben");
      const cy = await seedPerson(kv, "cy");
      const heavy = (await createConversation(kv, ann.user, { others: [ben.user] })).conversation;
      const other = (await createConversation(kv, ben.user, { others: [cy.user] })).conversation;
      for (let i = 1; i <= MESSAGES; i++) {
        await sendMessage(kv, ann.user, {
          conversationId: heavy.id,
          content: `**Heavy** message ${i} 🎉 with _some_ \`formatting\``,
        });
        await Promise.all(
          EMOJI.map((emoji) =>
            changeMessage(kv, ann.user, { conversationId: heavy.id, seq: i }, {
              kind: "react",
              emoji,
              on: true,
            })
          ),
        );
      }
      for (let i = 1; i <= 60; i++) {
        await sendMessage(kv, cy.user, { conversationId: other.id, content: `hello ${i}` });
      }
      return { ann, ben, heavy: heavy.id, other: other.id };
    }, async (server, { ann, ben, heavy, other }) => {
      const get = async (url: string, cookie: string) => {
        const res = await server.fetch(url, { cookie });
        assert.equal(res.status, 200, `${url}: ${res.status}`);
        await res.arrayBuffer();
      };
      // Warm up every code path once, then the baseline.
      await get(`/api/conversations/${heavy}/messages?limit=100`, ann.cookie);
      await get(`/api/conversations/${other}/messages`, ben.cookie);
      await get(`/api/conversations`, ben.cookie);
      const base = await server.memory();

      const victim = () =>
        latencies(async () => {
          await get(`/api/conversations`, ben.cookie);
          await get(`/api/conversations/${other}/messages?limit=50`, ben.cookie);
        }, attack);
      let attack: Promise<unknown> = pool(
        500,
        8,
        (i) =>
          get(
            `/api/conversations/${heavy}/messages?limit=100&before=${MESSAGES + 1 + i}`,
            ann.cookie,
          ),
      );
      const quiet = await victim();
      const afterAbove = await server.memory();

      attack = pool(
        100,
        8,
        (i) =>
          get(`/api/conversations/${heavy}/messages?limit=100&before=${MESSAGES - i}`, ann.cookie),
      );
      const busy = await victim();
      const afterDistinct = await server.memory();

      const grewAbove = afterAbove.heapUsed - base.heapUsed;
      const grewDistinct = afterDistinct.heapUsed - base.heapUsed;
      console.log(
        `item 12: heap ${mb(base.heapUsed)} → ${mb(afterAbove.heapUsed)} after 500 before= above ` +
          `the head (+${mb(grewAbove)}) → ${mb(afterDistinct.heapUsed)} after 100 distinct pages ` +
          `(+${mb(grewDistinct)}); rss ${mb(base.rss)} → ${mb(afterAbove.rss)} → ` +
          `${mb(afterDistinct.rss)}; another person's p50/p95 ${
            percentile(quiet, 50).toFixed(1)
          }/` +
          `${percentile(quiet, 95).toFixed(1)} ms (${quiet.length} requests) and ` +
          `${percentile(busy, 50).toFixed(1)}/${percentile(busy, 95).toFixed(1)} ms ` +
          `(${busy.length})`,
      );
      assert.ok(grewAbove < 8 * MB, `one newest page kept, not 500: +${mb(grewAbove)}`);
      assert.ok(grewDistinct < 44 * MB, `distinct pages within the bound: +${mb(grewDistinct)}`);
    });
  },
});
