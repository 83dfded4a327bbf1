/// <reference lib="dom" />
import { type Signal, useSignal, useSignalEffect } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";

/** How close to the end (px) still counts as at the end: new messages keep it in view. */
const NEAR_END = 80;

/**
 * The history's scrolling: it opens at the message the address names (centred and
 * highlighted) or at the newest; it stays at the end as messages come while you are there,
 * and otherwise counts them for a "n new messages ↓" button; reaching the top loads older
 * pages (`loadOlder`), keeping what you were reading in place.
 */
export function useScroll(options: {
  conversationId: string;
  /** The seq of the message the page opened on, if any. */
  target: number | null;
  /** Set to the opened message's seq once it is found (it is then marked). */
  highlight: Signal<number | null>;
  loadOlder: () => void;
  /** Read inside: the history changed (what the end follows). */
  watch: () => unknown;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  /** The top of the history: reaching it loads the page before. */
  const topSentinel = useRef<HTMLDivElement>(null);
  const stick = useRef(options.target === null);
  /** Scrolled away from the newest message, and how many came since. */
  const awayFromEnd = useSignal(false);
  const newBelow = useSignal(0);

  // A layout effect: the history is placed before the hydrated page is first painted.
  useLayoutEffect(() => {
    const root = scroller.current;
    const sentinel = topSentinel.current;
    if (!root || !sentinel || typeof IntersectionObserver === "undefined") return;
    // The server's page is reversed so that it opens at the newest message without
    // JavaScript; from here on this places it (the class stays as written: Preact rewrites
    // an element's class only when the one it renders changes).
    root.classList.replace("flex-col-reverse", "flex-col");
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) options.loadOlder();
    }, { root, rootMargin: "200px 0px 0px 0px" });
    // Start at the message the address names, else at the newest; only then may reaching the
    // top load more.
    const opened = options.target === null
      ? null
      : root.querySelector<HTMLElement>(`[data-seq="${options.target}"]`);
    if (opened) {
      stick.current = false;
      options.highlight.value = options.target;
      opened.scrollIntoView({ block: "center" });
    } else {
      stick.current = true;
      root.scrollTop = root.scrollHeight;
    }
    const frame = requestAnimationFrame(() => observer.observe(sentinel));
    const onScroll = () => {
      const away = root.scrollHeight - root.scrollTop - root.clientHeight > NEAR_END;
      // Where you scrolled is where the room stays: a new state of it (going live, a reaction,
      // an edit) follows the end only while you are there. It was decided only when messages
      // came, so a reaction soon after the page opened pulled a reader back to the end.
      stick.current = !away;
      if (away !== awayFromEnd.peek()) awayFromEnd.value = away;
      if (!away) newBelow.value = 0;
    };
    root.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      root.removeEventListener("scroll", onScroll);
    };
  }, [options.conversationId]);

  useSignalEffect(() => {
    options.watch();
    const el = scroller.current;
    if (el && stick.current) requestAnimationFrame(() => (el.scrollTop = el.scrollHeight));
  });

  return {
    scroller,
    topSentinel,
    awayFromEnd,
    newBelow,
    /** Messages are about to be shown, `newer` of them after the newest: stay or count. */
    beforeReceive(newer: number) {
      const el = scroller.current;
      stick.current = !el || el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_END;
      if (!stick.current) newBelow.value += newer;
    },
    /** You sent something: follow it to the end. */
    stickToEnd() {
      stick.current = true;
    },
    /**
     * Older messages go above: returns what puts the view back where it was after them. It
     * keeps the message you were looking at (the first one showing) at the same height, not
     * the distance from the end: messages not yet shown have only an estimated height
     * (`content-visibility` in lib/web/styles.ts), so that distance changes as they are laid
     * out.
     */
    keepPlace(): () => void {
      const el = scroller.current;
      stick.current = false;
      const anchor = el && firstRowInView(el);
      if (!el || !anchor) return () => {};
      const seq = anchor.dataset.seq;
      const offset = topIn(el, anchor);
      // Moves the view by how far the message moved. Chromium's own scroll anchoring may
      // have done that already (it leaves alone a view scrolled to the very top): then the
      // view is not touched, and a scroll under way (a wheel's, a finger's) goes on as it was.
      const settle = () => {
        const row = el.querySelector<HTMLElement>(`li[data-seq="${seq}"]`);
        const moved = row ? topIn(el, row) - offset : 0;
        if (Math.abs(moved) >= 1) el.scrollTop += moved;
      };
      return () =>
        // The older messages are in the page by the next frame (Preact renders in a
        // microtask); put the view back before it is laid out…
        requestAnimationFrame(() => {
          settle();
          // …and once more after: the messages just above, now in view, are laid out only in
          // that frame (they had the estimated height), and Chromium's anchoring may hold one
          // of them in place instead. A resize observer's first call comes after layout and
          // before the frame is painted, so neither position is ever shown.
          const afterLayout = new ResizeObserver(() => {
            afterLayout.disconnect();
            settle();
          });
          afterLayout.observe(el);
        });
    },
    jumpToLatest() {
      const el = scroller.current;
      if (!el) return;
      stick.current = true;
      newBelow.value = 0;
      scrollToEnd(el);
      document.getElementById("composer")?.focus();
    },
  };
}

/**
 * Scrolls smoothly to the end. Messages not laid out yet count as 72 px (lib/web/styles.ts):
 * the scroll would end short of the end, which moves down as the messages it passes turn
 * higher. So every message is laid out while it goes (`data-to-end`), as they all were before
 * that rule, and the end it aims at is where the end is.
 */
function scrollToEnd(el: HTMLElement) {
  el.dataset.toEnd = "";
  el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
  // Arrived, or stopped by a scroll of your own; a scroll that did not start ends by itself.
  const done = () => {
    clearTimeout(timer);
    el.removeEventListener("scrollend", done);
    delete el.dataset.toEnd;
  };
  const timer = setTimeout(done, 3000);
  el.addEventListener("scrollend", done);
}

/** The first message whose box shows in the scroller (its top may be cut off). */
function firstRowInView(root: HTMLElement): HTMLElement | null {
  const top = root.getBoundingClientRect().top;
  for (const row of root.querySelectorAll<HTMLElement>("li[data-seq]")) {
    if (row.getBoundingClientRect().bottom > top) return row;
  }
  return null;
}

/** Where `row` is, in px below the top of the scroller's visible area. */
function topIn(root: HTMLElement, row: HTMLElement): number {
  return row.getBoundingClientRect().top - root.getBoundingClientRect().top;
}
