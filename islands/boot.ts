/// <reference lib="dom" />
/**
 * The one browser entry: finds island markers and hydrates each with its bundle and props.
 * Bundles sit next to this file (same content-hashed directory), shared code in chunks; the
 * shell's and the chat room's islands are one module, app.js (islands/app.ts).
 *
 * The page loads this file `async` (lib/web/ssr.tsx): it may run before the document is
 * parsed, so that a live page's socket opens while the rest of the page still parses and
 * paints; the markers are read once the document is parsed.
 */
import { type ComponentType, h, hydrate } from "preact";
import { chatSocket } from "./parts/chat_socket.ts";
import type { PackedChatRoomProps } from "./chat/chat_props.ts";
import { APP_ISLANDS } from "./app_islands.ts";

type Marker = { el: HTMLElement; name: string; props: Record<string, unknown> };
type IslandModule = {
  default: ComponentType<Record<string, unknown>>;
  unpackProps?: (props: Record<string, unknown>) => Record<string, unknown>;
};

// A page with an island that listens to the socket says so on this script (data-socket): the
// socket opens now, and holds what it hears until the islands listen (releaseFrames below).
const live = document.querySelector("script[data-socket]") !== null;
if (live) chatSocket().holdFrames();

if (document.readyState === "loading") {
  await new Promise((done) => document.addEventListener("DOMContentLoaded", done, { once: true }));
}

const markers: Marker[] = [];
for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island ?? "";
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) continue;
  markers.push({ el, name, props: JSON.parse(el.dataset.props ?? "{}") });
}
// The chat room first: it is what the page is for, and going live waits for it.
markers.sort((a, b) => Number(b.name === "ChatRoom") - Number(a.name === "ChatRoom"));

const usesSocket = live ||
  markers.some((m) => m.name === "ChatRoom" || m.name === "ConversationList");
if (usesSocket) chatSocket().holdFrames();
// The page's conversation is joined as soon as the socket is open (or now, if it is): the
// answer (recent_messages) is held in the socket until the chat room hydrates and listens,
// so going live does not wait for a round trip after hydration.
for (const m of markers) if (m.name === "ChatRoom") joinEarly(m.props as PackedChatRoomProps);

let app: Promise<{ islands: Record<string, IslandModule> }> | undefined;
const moduleOf = (name: string): Promise<IslandModule> =>
  APP_ISLANDS.has(name)
    ? (app ??= import(new URL("./app.js", import.meta.url).href)).then((m) => m.islands[name])
    : import(new URL(`./${name}.js`, import.meta.url).href);

/**
 * On the chat page, the other islands (the sidebar, the menus) hydrate after the room, each
 * in a task of its own: the socket's frames and the room's first frames are handled and
 * painted between them instead of after them all.
 */
const roomFirst = markers[0]?.name === "ChatRoom";
const nextTask = () => new Promise<void>((done) => setTimeout(done, 0));

async function hydrateIsland({ el, name, props }: Marker, after?: Promise<void>): Promise<void> {
  try {
    const mod = await moduleOf(name);
    if (after) {
      await after;
      await nextTask();
    }
    // An island whose page props are packed (lib/islands.tsx) unpacks them here.
    const full = typeof mod.unpackProps === "function" ? mod.unpackProps(props) : props;
    hydrate(h(mod.default, full), el);
    el.dataset.hydrated = "true"; // tests (and curious people) can tell it is live
  } catch (err) {
    console.error(`island ${name} failed to load`, err);
  }
}

const room = roomFirst ? hydrateIsland(markers[0]) : undefined;
const loads = room
  ? [room, ...markers.slice(1).map((m) => hydrateIsland(m, room))]
  : markers.map((m) => hydrateIsland(m));
// Every island has hydrated (and registered its listeners) or failed: nobody is left to
// hear held frames.
if (usesSocket) void Promise.all(loads).then(() => chatSocket().releaseFrames());

/** Joins as the chat room will (its `since` is the newest seq its page holds). */
function joinEarly(props: PackedChatRoomProps) {
  const lastSeq = props.messages.at(-1)?.seq ?? 0;
  chatSocket().join(props.conversation.id, () => lastSeq);
}
