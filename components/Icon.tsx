/**
 * An outline icon drawn from one SVG path (toolbar, composer, list): emoji fonts are not on
 * every system, and a missing one shows as a box.
 */
export function Icon(props: { d: string; class?: string }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      class={props.class ?? "h-4 w-4"}
    >
      <path d={props.d} />
    </svg>
  );
}

/** The icons every message's toolbar repeats: drawn once per page (`IconSprite`), used by id. */
const SPRITE = {
  smile: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18ZM8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01",
  pencil: "M16.9 3.6a2.1 2.1 0 0 1 3 3L8 18.5 4 20l1.5-4L16.9 3.6Z",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  // Reply in thread (also the sidebar's Threads), pin, save, and close (the thread panel).
  reply: "M4 5h16v11H9l-5 4V5Z",
  pin: "M9 4h6l-1 6 3 3v2H7v-2l3-3-1-6ZM12 15v6",
  save: "M6 3h12v18l-6-4-6 4V3Z",
  close: "M6 6l12 12M18 6 6 18",
};

/** The names of the sprite's icons. */
export type SpriteName = keyof typeof SPRITE;

/** The sprite's symbols, hidden: once in every page's layout (components/Layout.tsx). */
export function IconSprite() {
  return (
    <svg hidden aria-hidden="true">
      {Object.entries(SPRITE).map(([name, d]) => (
        <symbol key={name} id={`i-${name}`} viewBox="0 0 24 24">
          <path
            d={d}
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
          />
        </symbol>
      ))}
    </svg>
  );
}

/** An icon of the sprite, looking like `Icon` with the same path (its colour is the text's). */
export function SpriteIcon(props: { name: SpriteName; class?: string }) {
  return (
    <svg aria-hidden="true" class={props.class ?? "h-4 w-4"}>
      <use href={`#i-${props.name}`} />
    </svg>
  );
}
