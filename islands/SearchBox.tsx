import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { MAX_QUERY_CHARS } from "../lib/shared/limits.ts";
import { applySuggestion, lastToken } from "./search/query_token.ts";
import type { Suggestion, SuggestionList } from "./search/SuggestionList.tsx";

/** The list, its chunk loaded once, as a box first asks for suggestions. */
let list: Promise<typeof SuggestionList> | undefined;
function loadList(): Promise<typeof SuggestionList> {
  list ??= import("./search/SuggestionList.tsx").then((m) => m.SuggestionList, (err) => {
    list = undefined;
    throw err;
  });
  return list;
}

/** How long typing pauses before suggestions are asked for. */
const DEBOUNCE_MS = 150;

export type SearchBoxProps = {
  id: string;
  placeholder: string;
  value?: string;
  /** The wrapper's classes (it holds the input and the list under it). */
  class: string;
  inputClass: string;
};

/**
 * The search field of a search form (the sidebar's, the search page's): without JavaScript a
 * plain input named `q`; with it a combobox that suggests how to finish the word being typed
 * (GET /api/search/suggestions): arrows move through the list, Enter or Tab puts the choice
 * in, Escape closes it, Enter without a choice searches (the form's GET to /search).
 */
export default function SearchBox(props: SearchBoxProps) {
  const text = useSignal(props.value ?? "");
  const items = useSignal<Suggestion[]>([]);
  const open = useSignal(false);
  const active = useSignal(-1);
  const live = useSignal(false);
  /** The list's component, once its chunk is here. */
  const List = useSignal<typeof SuggestionList | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const asked = useRef(0);
  const listId = `${props.id}-suggestions`;

  useEffect(() => {
    live.value = true;
    return () => clearTimeout(timer.current);
  }, []);

  function close() {
    open.value = false;
    active.value = -1;
  }

  /** Asks for the suggestions of the token before the caret (the last answer asked wins). */
  async function suggest() {
    const el = input.current;
    if (!el) return;
    const before = el.value.slice(0, el.selectionStart ?? el.value.length);
    const n = ++asked.current;
    if (!lastToken(before).token) return close();
    const [res, component] = await Promise.all([
      fetch(`/api/search/suggestions?q=${encodeURIComponent(before)}`, {
        headers: { accept: "application/json" },
      }).catch(() => null),
      loadList().catch(() => null),
    ]);
    if (!component) return close();
    List.value ??= component;
    const body = res?.ok ? await res.json().catch(() => null) : null;
    if (n !== asked.current || document.activeElement !== el) return;
    items.value = body?.suggestions ?? [];
    active.value = -1;
    open.value = items.value.length > 0;
  }

  function later() {
    clearTimeout(timer.current);
    timer.current = setTimeout(suggest, DEBOUNCE_MS);
  }

  function pick(item: Suggestion) {
    const el = input.current;
    if (!el) return;
    const caret = el.selectionStart ?? el.value.length;
    const next = applySuggestion(el.value.slice(0, caret), el.value.slice(caret), item.insert);
    text.value = el.value = next.text.slice(0, MAX_QUERY_CHARS);
    el.setSelectionRange(next.caret, next.caret);
    el.focus();
    close();
    // An operator waiting for its value (`from:`): what may follow, at once.
    if (item.insert.endsWith(":")) void suggest();
  }

  function onKeyDown(e: KeyboardEvent) {
    const n = items.value.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!n) return;
      e.preventDefault();
      if (!open.value) {
        open.value = true;
        active.value = e.key === "ArrowDown" ? 0 : n - 1;
        return;
      }
      // Round the list: past the last to the first, above the first to the last.
      const step = e.key === "ArrowDown" ? 1 : -1;
      active.value = active.value < 0 ? (step > 0 ? 0 : n - 1) : (active.value + step + n) % n;
    } else if (e.key === "Enter" && open.value && active.value >= 0) {
      e.preventDefault();
      pick(items.value[active.value]);
    } else if (e.key === "Tab" && open.value && n && !e.shiftKey) {
      e.preventDefault();
      pick(items.value[Math.max(0, active.value)]);
    } else if (e.key === "Escape" && open.value) {
      e.preventDefault();
      close();
    }
  }

  const shown = live.value && open.value && items.value.length > 0 && List.value !== null;
  const option = shown && active.value >= 0 ? `${listId}-${active.value}` : undefined;
  return (
    <div class={`relative ${props.class}`}>
      <input
        ref={input}
        id={props.id}
        name="q"
        type="search"
        value={text.value}
        maxLength={MAX_QUERY_CHARS}
        placeholder={props.placeholder}
        autocomplete="off"
        class={props.inputClass}
        role={live.value ? "combobox" : undefined}
        aria-autocomplete={live.value ? "list" : undefined}
        aria-expanded={live.value ? shown : undefined}
        aria-controls={live.value && List.value ? listId : undefined}
        aria-activedescendant={option}
        onInput={(e) => {
          text.value = (e.currentTarget as HTMLInputElement).value;
          later();
        }}
        onKeyDown={onKeyDown}
        onBlur={() => close()}
        onClick={later}
      />
      {live.value && List.value && (
        <List.value
          id={listId}
          items={items.value}
          shown={shown}
          active={active.value}
          onPick={pick}
        />
      )}
    </div>
  );
}
