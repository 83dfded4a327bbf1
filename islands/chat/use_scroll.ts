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
    /** Older messages go above: returns what puts the view back where it was after them. */
    keepPlace(): () => void {
      const el = scroller.current;
      const before = el ? el.scrollHeight - el.scrollTop : 0;
      stick.current = false;
      return () => requestAnimationFrame(() => el && (el.scrollTop = el.scrollHeight - before));
    },
    jumpToLatest() {
      const el = scroller.current;
      if (!el) return;
      stick.current = true;
      newBelow.value = 0;
      el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
      document.getElementById("composer")?.focus();
    },
  };
}
