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
