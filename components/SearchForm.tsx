import type { ComponentChildren } from "preact";
import SearchBox from "../islands/SearchBox.tsx";
import { island } from "../lib/web/mod.ts";

const SearchBoxIsland = island("SearchBox", SearchBox);

/**
 * A search box: a GET form to the search page, which reads `q`. The sidebar's, and the search
 * page's own (the query in it, and a button as `children`). Its field suggests operators,
 * people and conversations as you type once JavaScript runs (islands/SearchBox.tsx).
 */
export function SearchForm(props: {
  id: string;
  placeholder: string;
  value?: string;
  class: string;
  /** The field's wrapper (it holds the suggestions under the field). */
  boxClass?: string;
  inputClass: string;
  children?: ComponentChildren;
}) {
  return (
    <form method="get" action="/search" role="search" class={props.class}>
      <label for={props.id} class="sr-only">Search messages</label>
      <SearchBoxIsland
        id={props.id}
        value={props.value}
        placeholder={props.placeholder}
        class={props.boxClass ?? "w-full"}
        inputClass={props.inputClass}
      />
      {props.children}
    </form>
  );
}
