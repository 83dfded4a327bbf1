import type { ComponentType } from "preact";

/**
 * Server side of the islands layer. An island renders like any component inside a marker
 * element that names it and carries its props as JSON in a data attribute. Preact escapes
 * attribute values and the browser unescapes them, so no user text in the props can break
 * out of the markup (no `</script>`, no `<!--`), and no inline script is needed (CSP).
 * The browser entry (islands/boot.ts) hydrates each marker with its bundle and props.
 *
 * `pack` may shorten the props on the page (what the markup or other props already say);
 * the island's module then exports `unpackProps`, which boot.ts applies before hydrating.
 */
/**
 * The islands of the page being rendered, each with the props of its first instance (see
 * collectIslands); null between renders.
 */
let rendering: Map<string, object> | null = null;

/**
 * Islands named before the others a page rendered: the chat room, what its page is for and
 * what going live waits on, comes after the sidebar's islands in the markup. The page asks
 * for modules in this order (lib/ssr.tsx's preload links), and the browser has only so many
 * connections to a host, so its modules arrive first.
 */
const FIRST = ["ChatRoom"];
const rank = (name: string) => (FIRST.includes(name) ? 0 : 1);

/**
 * Runs a (synchronous) render and says which islands it rendered, by name (FIRST first), and
 * the props each island's first instance rendered with (as given, before any `pack`).
 */
export function collectIslands<T>(
  render: () => T,
): { result: T; islands: string[]; props: Map<string, object> } {
  const outer = rendering;
  const seen = rendering = new Map();
  try {
    const result = render();
    return { result, islands: [...seen.keys()].sort((a, b) => rank(a) - rank(b)), props: seen };
  } finally {
    rendering = outer;
  }
}

export function island<P extends object>(
  name: string,
  Component: ComponentType<P>,
  pack?: (props: P) => unknown,
) {
  function Island(props: P) {
    if (rendering && !rendering.has(name)) rendering.set(name, props);
    return (
      <div
        data-island={name}
        data-props={JSON.stringify(pack ? pack(props) : props)}
        class="contents"
      >
        <Component {...props} />
      </div>
    );
  }
  Island.displayName = `Island(${name})`;
  return Island;
}
