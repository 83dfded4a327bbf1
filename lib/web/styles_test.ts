import assert from "node:assert/strict";
import { buildStylesheet, classTokens, withSystemDark } from "./styles.ts";

Deno.test("classTokens() finds classes inside template literals and conditionals", () => {
  const source = `
    <aside class={\`\${open ? "hidden md:flex" : "flex"} w-full md:w-72 bg-slate-900\`}>
      <p class={error ? 'text-red-600' : "text-slate-500"}>{label}</p>
    </aside>`;
  const tokens = classTokens([source]);
  for (
    const expected of [
      "hidden",
      "md:flex",
      "flex",
      "w-full",
      "md:w-72",
      "bg-slate-900",
      "text-red-600",
      "text-slate-500",
    ]
  ) {
    assert.ok(tokens.has(expected), `finds ${expected}`);
  }
});

Deno.test("classTokens() skips one-letter words, capitalised names and punctuation", () => {
  const tokens = classTokens([`const Foo = (a) => <Bar x={1} />; // "$\{x}"`]);
  for (const absent of ["a", "Foo", "Bar", "x", "=>", "//"]) {
    assert.ok(!tokens.has(absent), `skips ${absent}`);
  }
});

Deno.test("classTokens() collects the tokens of every source once", () => {
  const tokens = classTokens([`class="p-4 flex"`, `class="flex gap-2"`]);
  assert.ok(tokens.has("p-4") && tokens.has("gap-2"));
  assert.equal([...tokens].filter((t) => t === "flex").length, 1);
});

Deno.test("buildStylesheet() writes CSS for a responsive class like md:flex", () => {
  const css = buildStylesheet([`<div class="hidden md:flex">`]);
  assert.match(css, /@media \(min-width:768px\)\{\.md\\:flex\{display:flex\}\}/);
  assert.match(css, /\.hidden\{display:none\}/);
});

Deno.test("buildStylesheet() writes nothing for classes the sources do not use", () => {
  const css = buildStylesheet([`<div class="flex">`]);
  assert.match(css, /\.flex\{display:flex\}/);
  assert.doesNotMatch(css, /\.grid\{/);
  assert.doesNotMatch(css, /md\\:flex/);
});

Deno.test("buildStylesheet() ignores words that are not classes", () => {
  const css = buildStylesheet([`const answer = await fetchSomething(); return answer;`]);
  assert.doesNotMatch(css, /answer|fetchSomething/);
});

Deno.test("withSystemDark() copies each dark rule under the media query for a root with no choice", () => {
  const rules = [
    ".bg-white{background-color:#fff}",
    ".dark .dark\\:bg-slate-900{background-color:#0f172a}",
    "@media (min-width:640px){.dark .dark\\:sm\\:text-white{color:#fff}}",
    ":root.dark{color-scheme:dark}",
    ":where(.dark) :where(dialog){color:#fff}",
  ];
  const out = withSystemDark(rules);
  assert.deepEqual(out.slice(0, rules.length), rules, "the class rules stay, in order");
  assert.deepEqual(out.slice(rules.length), [
    "@media (prefers-color-scheme:dark){:where(:root):not(.light) .dark\\:bg-slate-900{background-color:#0f172a}}",
    "@media (prefers-color-scheme:dark){@media (min-width:640px){:where(:root):not(.light) .dark\\:sm\\:text-white{color:#fff}}}",
    "@media (prefers-color-scheme:dark){:root:not(.light){color-scheme:dark}}",
    "@media (prefers-color-scheme:dark){:where(:where(:root):not(.light)) :where(dialog){color:#fff}}",
  ]);
});
