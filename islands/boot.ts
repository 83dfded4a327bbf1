/// <reference lib="dom" />
/**
 * The one browser entry: finds island markers and hydrates each with its bundle and props.
 * Bundles sit next to this file (same content-hashed directory), shared code in chunks.
 */
import { h, hydrate } from "preact";
import { chatSocket } from "./parts/chat_socket.ts";

// The page's socket opens now, while the islands that use it load: by the time the chat room
// hydrates and joins, the handshake is done and joining is one round trip.
if (document.querySelector("[data-island=ChatRoom],[data-island=ConversationList]")) chatSocket();

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island ?? "";
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) continue;
  const props = JSON.parse(el.dataset.props ?? "{}");
  import(new URL(`./${name}.js`, import.meta.url).href)
    .then((mod) => {
      // An island whose page props are packed (lib/islands.tsx) unpacks them here.
      const full = typeof mod.unpackProps === "function" ? mod.unpackProps(props) : props;
      hydrate(h(mod.default, full), el);
      el.dataset.hydrated = "true"; // tests (and curious people) can tell it is live
    })
    .catch((err) => console.error(`island ${name} failed to load`, err));
}
