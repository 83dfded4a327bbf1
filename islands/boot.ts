/// <reference lib="dom" />
/**
 * The one browser entry: finds island markers and hydrates each with its bundle and props.
 * Bundles sit next to this file (same content-hashed directory), shared code in chunks.
 */
import { h, hydrate } from "preact";
import { chatSocket } from "./parts/chat_socket.ts";
import type { PackedChatRoomProps } from "./chat/chat_props.ts";

type Marker = { el: HTMLElement; name: string; props: Record<string, unknown> };

const markers: Marker[] = [];
for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island ?? "";
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) continue;
  markers.push({ el, name, props: JSON.parse(el.dataset.props ?? "{}") });
}
// The chat room first: it is what the page is for, and going live waits for it.
markers.sort((a, b) => Number(b.name === "ChatRoom") - Number(a.name === "ChatRoom"));

// The page's socket opens now, while the islands load, and joins the page's conversation as
// it opens: the answer (recent_messages) is held in the socket until the chat room hydrates
// and listens, so going live does not wait for a round trip after hydration.
const usesSocket = markers.some((m) => m.name === "ChatRoom" || m.name === "ConversationList");
if (usesSocket) chatSocket().holdFrames();
for (const m of markers) if (m.name === "ChatRoom") joinEarly(m.props as PackedChatRoomProps);

const loads = markers.map(({ el, name, props }) =>
  import(new URL(`./${name}.js`, import.meta.url).href)
    .then((mod) => {
      // An island whose page props are packed (lib/islands.tsx) unpacks them here.
      const full = typeof mod.unpackProps === "function" ? mod.unpackProps(props) : props;
      hydrate(h(mod.default, full), el);
      el.dataset.hydrated = "true"; // tests (and curious people) can tell it is live
    })
    .catch((err) => console.error(`island ${name} failed to load`, err))
);
// Every island has hydrated (and registered its listeners) or failed: nobody is left to
// hear held frames.
if (usesSocket) void Promise.all(loads).then(() => chatSocket().releaseFrames());

/** Joins as the chat room will (its `since` is the newest seq its page holds). */
function joinEarly(props: PackedChatRoomProps) {
  const lastSeq = props.messages.at(-1)?.seq ?? 0;
  chatSocket().join(props.conversation.id, () => lastSeq);
}
