/// <reference lib="dom" />
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import type { MessageActions } from "./message_actions.ts";
import { MessageToolbar } from "./MessageToolbar.tsx";

/**
 * A message's toolbar, rendered twice over: on the server inside a <noscript> (without
 * JavaScript, every message has its toolbar form, as it always had; with JavaScript, the
 * browser keeps a noscript's content as one text node: no elements, no style), and in the
 * browser as the page's ONE live toolbar, which shows on the message that is hovered (or
 * tapped) or has keyboard focus. Half of a chat page's DOM nodes were its toolbars (issue
 * 21, docs/benchmarks.md "ChatRoom live").
 *
 * Each message's LiveBar renders that noscript (hydration keeps the server's, its text
 * untouched) and, while its row is the one, the toolbar beside it: the very markup the row
 * had before, in the same place, so it looks and works the same (`msg-bar-idle`, tab order,
 * the palette, the delete confirmation, pressed colours). Which row is the one is decided
 * here, from the page's pointer and focus events; a row takes keyboard focus itself
 * (tabindex 0, set once live), so that Tab goes from a message to its tools.
 */
export function LiveBar(props: {
  m: Message;
  meId: string;
  actions?: MessageActions;
  /** Opened by the page's address (`?react=`): the toolbar shows with its palette open. */
  paletteOpen: boolean;
  confirming: boolean;
  onDelete: () => void;
}) {
  const place = useRef<HTMLElement>(null);
  const [shown, setShown] = useState(false);
  // The address's palette opens once, the first time the toolbar shows.
  const opened = useRef(props.paletteOpen);
  useEffect(() => {
    const row = place.current?.closest<HTMLElement>("li[data-seq]");
    if (!row) return;
    return showsOn(row, setShown, opened.current);
  }, []);
  const paletteOpen = shown && opened.current;
  if (shown) opened.current = false;
  return (
    <>
      <noscript ref={place} dangerouslySetInnerHTML={NOTHING} />
      {shown && (
        <MessageToolbar
          m={props.m}
          meId={props.meId}
          actions={props.actions}
          paletteOpen={paletteOpen}
          confirming={props.confirming}
          onDelete={props.onDelete}
        />
      )}
    </>
  );
}

/** The server's text inside the noscript stays as it is (hydration does not set innerHTML). */
const NOTHING = { __html: "" };

/** The rows that can show the toolbar, each with how to tell it whether it does. */
const rows = new Map<Element, (shown: boolean) => void>();
/** The row under the pointer (or last tapped), registered or not (one being edited). */
let hovered: Element | null = null;
/** The row showing the toolbar. */
let current: Element | null = null;

/**
 * Registers `row` (its LiveBar is mounted) and tells `show` whether it has the toolbar, now
 * and as that changes. `open`: the address opened its palette, so it starts with it.
 */
function showsOn(row: HTMLElement, show: (shown: boolean) => void, open: boolean): () => void {
  if (rows.size === 0) listen();
  rows.set(row, show);
  // Keyboard users reach each message (and, with Tab, its tools); without JavaScript, Tab
  // goes through every message's toolbar itself.
  row.tabIndex = 0;
  if (open) hovered = row;
  update();
  return () => {
    rows.delete(row);
    row.removeAttribute("tabindex");
    if (current === row) current = null;
    update();
    if (rows.size === 0) unlisten();
  };
}

/** The registered row `el` is in, if any. */
function rowOf(el: EventTarget | null): Element | null {
  const row = el instanceof Element ? el.closest("li[data-seq]") : null;
  return row && rows.has(row) ? row : null;
}

/**
 * Which row shows the toolbar: the one with keyboard focus (focus-visible: a click's focus
 * does not hold the toolbar once the pointer moves on), else the one under the pointer, else
 * the one with focus.
 */
function pick(): Element | null {
  const active = document.activeElement;
  const focused = rowOf(active);
  if (focused && active!.matches(":focus-visible")) return focused;
  return hovered && rows.has(hovered) ? hovered : focused;
}

function update() {
  const next = pick();
  if (next === current) return;
  const before = current;
  current = next;
  if (before) rows.get(before)?.(false);
  if (next) rows.get(next)!(true);
}

function onOver(e: Event) {
  hovered = e.target instanceof Element ? e.target.closest("li[data-seq]") : null;
  update();
}

/** The pointer left the window. */
function onOut(e: MouseEvent) {
  if (e.relatedTarget !== null) return;
  hovered = null;
  update();
}

/**
 * Focus moved out: when it goes to another element, its `focusin` decides (deciding here
 * could take away the toolbar that focus is moving into).
 */
function onFocusOut(e: FocusEvent) {
  if (e.relatedTarget === null) update();
}

// Delegated on the document: one listener each, for the room's rows and the thread's.
function listen() {
  document.addEventListener("mouseover", onOver);
  document.addEventListener("mouseout", onOut);
  document.addEventListener("focusin", update);
  document.addEventListener("focusout", onFocusOut);
}

function unlisten() {
  document.removeEventListener("mouseover", onOver);
  document.removeEventListener("mouseout", onOut);
  document.removeEventListener("focusin", update);
  document.removeEventListener("focusout", onFocusOut);
  hovered = current = null;
}
