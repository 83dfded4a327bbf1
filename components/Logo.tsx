/** The app's mark: a flame on a rounded square (SVG, so it needs no emoji font). */
export function Logo(props: { size?: "sm" | "lg" }) {
  const box = props.size === "lg" ? "h-12 w-12 rounded-2xl" : "h-7 w-7 rounded-lg";
  return (
    <span
      class={`inline-flex items-center justify-center bg-indigo-600 text-white shadow ${box}`}
      aria-hidden="true"
    >
      <svg
        viewBox="0 0 24 24"
        class={props.size === "lg" ? "h-7 w-7" : "h-4 w-4"}
        fill="currentColor"
      >
        <path d="M12 2c.5 3-1.5 4.8-3 6.6C7.5 10.4 6 12.3 6 15a6 6 0 0 0 12 0c0-2.2-1-4.2-2.4-5.6.1 1.5-.5 2.8-1.6 3.4.4-3.6-.6-7.8-2-10.8Z" />
      </svg>
    </span>
  );
}
