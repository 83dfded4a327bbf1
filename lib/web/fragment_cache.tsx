import { type ComponentType, Fragment, h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { LruCache } from "../storage/mod.ts";

/**
 * Fragment caching for server renders (as Campfire does): a component's HTML, rendered once,
 * is kept and written out again instead of rendered on every page. A hook on Preact's vnodes
 * swaps the component for a stand-in that gives the very string the component renders to
 * (as precompiled JSX, written as is), so the DOM, and hydration, are the same.
 *
 * What is cached, and when an entry still holds, is the caller's (`FragmentRules`): this
 * module knows no component, so lib/ imports nothing from components/ (routes/_page.tsx
 * installs the rules of components/message_fragments.ts).
 */
export type FragmentRules<P> = {
  component: ComponentType<P>;
  /** The entry's key, or null: render these props without the cache. */
  key: (props: P) => string | null;
  /** Whether an entry made from `cached` renders alike for `props` (same key). */
  same: (cached: P, props: P) => boolean;
  /** Until when (epoch ms) the entry's HTML holds (text that depends on the time of day). */
  until: (props: P, now: number) => number;
  /** The props the kept HTML is rendered from (without what is the reader's own). */
  shared?: (props: P) => P;
  /** Applies what is the reader's own to the kept HTML, as it is written out. */
  finish?: (html: string, props: P) => string;
};

type Entry<P> = { props: P; html: string; until: number };

/** A prop that marks a vnode as made by the stand-in itself (not to be swapped again). */
const RAW = "__fragmentCacheRaw";

/**
 * Swaps `rules.component` for its cached stand-in in every vnode made from now on (server
 * renders only), at most `maxEntries` entries and `maxChars` characters of HTML. Returns how
 * to take it out again (tests).
 */
export function installFragmentCache<P extends object>(
  rules: FragmentRules<P>,
  bounds: { maxEntries: number; maxChars: number },
): { uninstall: () => void; entries: LruCache<string, Entry<P>> } {
  const entries = new LruCache<string, Entry<P>>({
    maxEntries: bounds.maxEntries,
    maxSize: bounds.maxChars,
    sizeOf: (entry) => entry.html.length,
  });
  const raw = (props: P) => h(rules.component, { ...props, [RAW]: true }) as VNode;

  function Cached(props: P): VNode {
    const key = rules.key(props);
    if (key === null) return raw(props);
    const now = Date.now();
    const hit = entries.get(key);
    let html = hit && now < hit.until && rules.same(hit.props, props) ? hit.html : null;
    if (html === null) {
      html = renderToString(raw(rules.shared ? rules.shared(props) : props));
      entries.set(key, { props, html, until: rules.until(props, now) });
    }
    const out = rules.finish ? rules.finish(html, props) : html;
    return h(Fragment, { tpl: [out] } as Record<string, unknown>);
  }

  const previous = options.vnode;
  const hook: typeof options.vnode = (vnode) => {
    if (vnode.type === rules.component && !(RAW in (vnode.props as object))) {
      (vnode as VNode<P>).type = Cached;
    }
    previous?.(vnode);
  };
  options.vnode = hook;
  return {
    uninstall: () => {
      if (options.vnode === hook) options.vnode = previous;
    },
    entries,
  };
}
