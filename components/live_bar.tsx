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
 * here, from the page's pointer, key and focus events; a row takes keyboard focus itself
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
/** What the person used last: the pointer, or the keyboard. */
let input: "pointer" | "keys" = "pointer";
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
 * Which row shows the toolbar: the one with focus when the keyboard was used last (Tab,
 * Escape back to React), else the one under the pointer, else the one with focus (a clicked
 * tool keeps its toolbar, as a focused one always did).
 */
function pick(): Element | null {
  const focused = rowOf(document.activeElement);
  const pointed = hovered && rows.has(hovered) ? hovered : null;
  return input === "keys" ? focused ?? pointed : pointed ?? focused;
}

function update() {
  const next = pick();
  if (next === current) return;
  const before = current;
  current = next;
  if (before) rows.get(before)?.(false);
  if (next) rows.get(next)!(true);
}

function pointAt(target: EventTarget | null) {
  hovered = target instanceof Element ? target.closest("li[data-seq]") : null;
  update();
}

let lastX = NaN;
let lastY = NaN;

/**
 * The pointer moved: it is what the person uses now. (Chromium also reports moves when the
 * content scrolls or changes under a still pointer: those do not count as using it.)
 */
function onMove(e: MouseEvent) {
  if (e.clientX === lastX && e.clientY === lastY) return;
  lastX = e.clientX;
  lastY = e.clientY;
  input = "pointer";
  pointAt(e.target);
}

/**
 * Under the pointer now (it moved, or the content scrolled under it): while the pointer is
 * what the person uses, the toolbar follows, as `:hover` does; while the keyboard is, it
 * stays on the message with focus.
 */
function onOver(e: MouseEvent) {
  if (input === "pointer") pointAt(e.target);
}

/** A click or a tap: on a phone, tapping a message shows its tools. */
function onDown(e: PointerEvent) {
  input = "pointer";
  pointAt(e.target);
}

/** The pointer left the window. */
function onOut(e: MouseEvent) {
  if (e.relatedTarget !== null) return;
  hovered = null;
  update();
}

function onKey() {
  input = "keys";
}

/**
 * Focus moved out: when it goes to another element, its `focusin` decides (deciding here
 * could take away the toolbar that focus is moving into).
 */
function onFocusOut(e: FocusEvent) {
  if (e.relatedTarget === null) update();
}

// Delegated on the document: one listener each, for the room's rows and the thread's.
const LISTENERS = [
  ["mousemove", onMove],
  ["mouseover", onOver],
  ["pointerdown", onDown],
  ["mouseout", onOut],
  ["keydown", onKey],
  ["focusin", update],
  ["focusout", onFocusOut],
] as const;

function listen() {
  for (const [type, f] of LISTENERS) document.addEventListener(type, f as EventListener, true);
}

function unlisten() {
  for (const [type, f] of LISTENERS) document.removeEventListener(type, f as EventListener, true);
  hovered = current = null;
}
