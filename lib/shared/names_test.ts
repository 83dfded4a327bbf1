import assert from "node:assert/strict";
import { cleanFileName, cleanName, mixesScripts, shownDisplayName } from "./names.ts";

Deno.test("cleanName() strips bidi overrides, zero-width characters, NUL and other controls", () => {
  assert.equal(cleanName("\u202Eadmin"), "admin");
  assert.equal(cleanName("ad\u200Bmin\u200C\u200D\u2060\uFEFF"), "admin");
  assert.equal(cleanName("a\u0000d\u0007m\u007Fi\u0085n"), "admin");
  assert.equal(cleanName("\u2066Ann\u2069 \u200E\u200F\u061C"), "Ann");
  assert.equal(cleanName("  two\n\tlines\u2028here  "), "two lines here");
  assert.equal(cleanName("\u3164\u115F"), "", "Hangul fillers render as nothing");
  assert.equal(cleanName("\u200B\u202E"), "", "only invisible characters: nothing left");
});

Deno.test("cleanName() keeps what is seen: accents, scripts, emoji sequences", () => {
  assert.equal(cleanName("Zoë Ångström"), "Zoë Ångström");
  assert.equal(cleanName("Zoe\u0308"), "Zoë", "NFC");
  assert.equal(cleanName("山田 太郎"), "山田 太郎");
  assert.equal(cleanName("dev 👩‍💻 team"), "dev 👩‍💻 team", "the ZWJ inside an emoji stays");
  assert.equal(cleanName("👍🏽"), "👍🏽");
  assert.equal(cleanName("a\u200Db"), "ab", "a ZWJ between letters goes");
});

Deno.test("mixesScripts() flags Latin mixed with Cyrillic or Greek, not scripts written together", () => {
  assert.equal(mixesScripts("аdmin"), true, "Cyrillic а + Latin");
  assert.equal(mixesScripts("Pаypal"), true);
  assert.equal(mixesScripts("Αlice"), true, "Greek Alpha + Latin");
  for (
    const fine of ["admin", "Алёна", "Zoë", "山田 Taro", "東京タワー", "김 Kim", "R2-D2 🤖", ""]
  ) {
    assert.equal(mixesScripts(fine), false, fine);
  }
  assert.equal(shownDisplayName("аdmin"), "аdmin [mixed scripts]");
  assert.equal(shownDisplayName("\u202Eadmin"), "admin");
});

Deno.test("cleanFileName() keeps the last path segment only, cleaned", () => {
  assert.equal(cleanFileName('../../etc/pa"ss'), 'pa"ss');
  assert.equal(cleanFileName("C:\\Users\\ann\\report.pdf"), "report.pdf");
  assert.equal(cleanFileName("photo\u202Egnp.exe"), "photognp.exe");
  assert.equal(cleanFileName("..\u0000"), "file");
  assert.equal(cleanFileName("dir/"), "file");
  assert.equal(cleanFileName(".hidden"), "hidden");
  assert.equal(cleanFileName("notes.txt"), "notes.txt");
  const long = cleanFileName("x".repeat(300) + ".tar.gz");
  assert.equal([...long].length, 255);
  assert.ok(long.endsWith(".gz"));
});
