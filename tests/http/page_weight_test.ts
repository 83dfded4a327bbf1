/**
 * What keeps the conversation page light: component classes defined once in the stylesheet,
 * the toolbar icons drawn once per page (a sprite), and ChatRoom's props packed without what
 * the page already says — and that the packed props still give back every message exactly.
 */
import assert from "node:assert/strict";
import { type PackedChatRoomProps, unpackChatRoomProps } from "../../islands/chat/chat_props.ts";
import { buildStylesheet } from "../../lib/web/mod.ts";
import {
  createConversationVia,
  json,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";

/** An attribute's value read back as a browser would (the entities Preact writes). */
function attributeOf(html: string, pattern: RegExp): string {
  const match = html.match(pattern);
  assert.ok(match, `the page matches ${pattern}`);
  return match[1].replace(
    /&(quot|amp|lt|gt|#39|apos);/g,
    (_, e: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'", apos: "'" })[e]!,
  );
}

Deno.test("the conversation page's packed props give back the messages the REST API shows", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann Lee" });
    const ben = await registerUser(app, { displayName: "Ben Ode" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Weights");
    const send = async (who: typeof ann, content: string) => {
      const res = await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", {
          content,
          clientId: crypto.randomUUID(),
        }, who.cookie),
      );
      assert.equal(res.status, 201);
      return (await res.json()).message.seq as number;
    };
    const one = await send(ann, 'hello **there** <script>x</script> & "quotes"');
    const two = await send(ben, "an answer");
    const three = await send(ann, "to be deleted");
    await send(ben, "the last word");
    const url = (seq: number, rest = "") => `/api/conversations/${id}/messages/${seq}${rest}`;
    assert.equal(
      (await app.fetch(url(two), json("PATCH", { content: "edited" }, ben.cookie))).status,
      200,
    );
    assert.equal(
      (await app.fetch(url(one, "/reactions/%F0%9F%91%8D"), json("PUT", undefined, ben.cookie)))
        .status,
      200,
    );
    assert.equal((await app.fetch(url(three), json("DELETE", undefined, ann.cookie))).status, 200);

    const page = await (await app.fetch(`/conversations/${id}`, withCookie(ann.cookie))).text();
    const packed: PackedChatRoomProps = JSON.parse(
      attributeOf(page, /data-island="ChatRoom" data-props="([^"]*)"/),
    );
    // Packed: no conversation id or author object per message, no default-valued fields.
    assert.equal(packed.authors.length, 2);
    for (const m of packed.messages) {
      assert.equal(typeof m.author, "number");
      assert.ok(!("conversationId" in m));
      assert.ok(!("deletedAt" in m) || m.deletedAt !== null);
      assert.ok(!("reactions" in m) || m.reactions!.length > 0);
    }
    const props = unpackChatRoomProps(packed);
    const rest =
      await (await app.fetch(`/api/conversations/${id}/messages`, withCookie(ann.cookie)))
        .json();
    assert.deepEqual(props.messages, rest.messages);
    assert.deepEqual(props.conversation.lastMessage, rest.messages.at(-1));

    // One sprite, used by every toolbar; component classes instead of utility lists.
    assert.equal(page.match(/<symbol id="i-smile"/g)?.length, 1);
    const live = rest.messages.filter((m: { deletedAt: string | null }) => !m.deletedAt).length;
    assert.equal(page.match(/<use href="#i-smile">/g)?.length, live);
    assert.equal(page.match(/class="group msg msg-idle/g)?.length, rest.messages.length);
    assert.doesNotMatch(page, /focus-visible:ring-indigo-300/, "the tool list is one class");
  });
});

Deno.test("component classes are defined once in the stylesheet, with their variants", () => {
  const css = buildStylesheet([
    '<li class="group msg msg-idle"><form class="msg-bar msg-bar-idle">',
    "msg-tool chip chip-on avatar",
  ]);
  assert.match(css, /\.msg\{[^}]*display:flex/);
  assert.match(css, /\.msg-idle:hover\{/);
  assert.match(css, /\.dark \.msg-idle:hover\{/);
  assert.match(css, /\.msg-bar-idle\{[^}]*opacity:0/);
  assert.match(css, /\.group:hover \.msg-bar-idle\{opacity:1\}/);
  assert.match(css, /\.group:focus-within \.msg-bar-idle\{opacity:1\}/);
  assert.match(css, /\.msg-tool:focus-visible\{/);
  assert.match(css, /\.chip-on\{/);
  assert.match(css, /\.avatar\{/);
});
