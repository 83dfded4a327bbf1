import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { installFragmentCache } from "./fragment_cache.tsx";

type Props = { id: string; text: string; reader?: string; live?: boolean };
let renders = 0;

/** A component that counts its renders: what the cache saves. */
function Note(props: Props) {
  renders++;
  return <p data-id={props.id}>{props.text}{props.reader ? ` for ${props.reader}` : ""}</p>;
}

let clock = 0;
const rules = {
  component: Note,
  key: (p: Props) => (p.live ? null : p.id),
  same: (a: Props, b: Props) => a.text === b.text,
  until: () => clock,
  shared: (p: Props) => ({ ...p, reader: undefined }),
  finish: (html: string, p: Props) =>
    p.reader ? html.replace("</p>", ` for ${p.reader}</p>`) : html,
};

function withCache(fn: (entries: { count: number }) => void, maxEntries = 10) {
  renders = 0;
  clock = Infinity;
  const cache = installFragmentCache(rules, { maxEntries, maxChars: 1_000 });
  try {
    fn(cache.entries);
  } finally {
    cache.uninstall();
  }
}

Deno.test("a kept fragment is written out again without rendering, as it would render", () => {
  const expected = renderToString(<Note id="a" text="hi" reader="ann" />);
  withCache(() => {
    assert.equal(renderToString(<Note id="a" text="hi" reader="ann" />), expected);
    assert.equal(renderToString(<Note id="a" text="hi" reader="ann" />), expected);
    assert.equal(renders, 1);
  });
});

Deno.test("one entry serves every reader: what is theirs is put on as it is written out", () => {
  withCache((entries) => {
    assert.equal(
      renderToString(<Note id="a" text="hi" reader="ann" />),
      '<p data-id="a">hi for ann</p>',
    );
    assert.equal(
      renderToString(<Note id="a" text="hi" reader="ben" />),
      '<p data-id="a">hi for ben</p>',
    );
    assert.equal(renderToString(<Note id="a" text="hi" />), '<p data-id="a">hi</p>');
    assert.equal(renders, 1);
    assert.equal(entries.count, 1);
  });
});

Deno.test("a changed entry, an expired one or one without a key renders again", () => {
  withCache(() => {
    renderToString(<Note id="a" text="hi" />);
    assert.equal(renderToString(<Note id="a" text="changed" />), '<p data-id="a">changed</p>');
    assert.equal(renders, 2);
    renderToString(<Note id="b" text="live" live />);
    renderToString(<Note id="b" text="live" live />);
    assert.equal(renders, 4);
    clock = 0; // every entry made from now on holds until time 0: already past
    renderToString(<Note id="c" text="x" />);
    renderToString(<Note id="c" text="x" />);
    assert.equal(renders, 6);
  });
});

Deno.test("the cache holds at most its bound; uninstalled, nothing is swapped", () => {
  withCache((entries) => {
    for (const id of ["a", "b", "c", "d"]) renderToString(<Note id={id} text="hi" />);
    assert.equal(entries.count, 2);
  }, 2);
  renders = 0;
  renderToString(<Note id="a" text="hi" />);
  renderToString(<Note id="a" text="hi" />);
  assert.equal(renders, 2);
});
