/**
 * Server rendering: the page document with its islands and preloads, the islands' props, the
 * content-hashed browser assets and stylesheet, and the render cache of repeated fragments.
 */
export { type Assets, buildAssets, loadBuiltAssets } from "./assets.ts";
export { type FragmentRules, installFragmentCache } from "./fragment_cache.tsx";
export { collectIslands, island } from "./islands.tsx";
export { renderDocument, renderPage } from "./ssr.tsx";
export { buildStylesheet } from "./styles.ts";
export {
  answerWithForms,
  breachSafe,
  chooseEncoding,
  compressAnswers,
  type EncodedForms,
  encodedForms,
} from "./compress.ts";
export { staticFiles } from "./static_files.ts";
