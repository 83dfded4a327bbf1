import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type Theme = "system" | "light" | "dark";
const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };
const ICON: Record<Theme, string> = { system: "◐", light: "☀", dark: "☾" };

/**
 * Light, dark, or the system's choice (the default), kept on this device. static/theme.js
 * applies it before the first paint; this button only changes it.
 */
export default function ThemeToggle() {
  const theme = useSignal<Theme>("system");
  useEffect(() => {
    try {
      const saved = localStorage.getItem("theme");
      if (saved === "light" || saved === "dark") theme.value = saved;
    } catch { /* storage off: the system's choice */ }
  }, []);
  function cycle() {
    const next = NEXT[theme.value];
    theme.value = next;
    try {
      if (next === "system") localStorage.removeItem("theme");
      else localStorage.setItem("theme", next);
    } catch { /* storage off: this page only */ }
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
