import type { ComponentChildren } from "preact";
import { MAX_QUERY_CHARS } from "../lib/shared/limits.ts";

/**
 * A search box: a GET form to the search page, which reads `q`. The sidebar's, and the search
 * page's own (the query in it, and a button as `children`).
 */
export function SearchForm(props: {
  id: string;
  placeholder: string;
  value?: string;
  class: string;
  inputClass: string;
  children?: ComponentChildren;
}) {
  return (
    <form method="get" action="/search" role="search" class={props.class}>
      <label for={props.id} class="sr-only">Search messages</label>
      <input
        id={props.id}
        name="q"
        type="search"
        value={props.value}
        maxLength={MAX_QUERY_CHARS}
        placeholder={props.placeholder}
        class={props.inputClass}
      />
      {props.children}
    </form>
  );
}
