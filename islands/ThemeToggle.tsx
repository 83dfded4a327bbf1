import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type Theme = "system" | "light" | "dark";
const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };
const ICON: Record<Theme, string> = { system: "◐", light: "☀", dark: "☾" };

/** The theme chosen on this device: the `theme` cookie (none: the system's choice). */
function chosen(): Theme {
  return /(?:^|;\s*)theme=(light|dark)(?:;|$)/.exec(document.cookie)?.[1] as Theme ?? "system";
}

/**
 * Light, dark, or the system's choice (the default), kept on this device in the `theme`
 * cookie, so the server renders each page with it (routes/_page.tsx: no script before the
 * first paint), mirrored in localStorage so other open tabs follow (static/theme.js).
 */
export default function ThemeToggle() {
  const theme = useSignal<Theme>("system");
  useEffect(() => {
    theme.value = chosen();
  }, []);
  function cycle() {
    const next = NEXT[theme.value];
    theme.value = next;
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = next === "system"
      ? "theme=; Path=/; Max-Age=0; SameSite=Lax" + secure
      : `theme=${next}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
    try {
      if (next === "system") localStorage.removeItem("theme");
      else localStorage.setItem("theme", next);
    } catch { /* storage off: the other tabs follow at their next page */ }
    (globalThis as { __applyTheme?: () => void }).__applyTheme?.();
  }
  return (
    <button
      type="button"
      onClick={cycle}
      title={`Theme: ${LABEL[theme.value]} (click to change)`}
      aria-label={`Theme: ${LABEL[theme.value]}. Change theme`}
      class="rounded-md px-2 py-1 text-xs text-slate-300 hover:bg-slate-800 hover:text-white"
    >
      <span aria-hidden="true">{ICON[theme.value]}</span>
    </button>
  );
}
