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
/** The islands of the page being rendered (see collectIslands); null between renders. */
let rendering: Set<string> | null = null;

/** Runs a (synchronous) render and says which islands it rendered, by name. */
export function collectIslands<T>(render: () => T): { result: T; islands: string[] } {
  const outer = rendering;
  rendering = new Set();
  try {
    const result = render();
    return { result, islands: [...rendering] };
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
    rendering?.add(name);
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
