/**
 * Search: the index (postings), its indexer, and queries. Loading this module installs the
 * index into the message write path (lib/messages/index_port.ts says why it is done so).
 */
import { installSearchHooks } from "../messages/mod.ts";
import { indexPending, SearchIndexer, textChanged } from "./indexer.ts";

installSearchHooks({
  indexer: (kv) => new SearchIndexer(kv),
  indexNow: indexPending,
  textChanged,
});

export { filterToken, foldToken, type Posting, readPosting, tokenize } from "./index.ts";
export { addFilterPostings, indexPending, MAX_INDEX_LAG, SearchIndexer } from "./indexer.ts";
export { seqRange } from "./dates.ts";
export { limitedSearch, limitedSearchPage, SEARCH_LIMITS } from "./gate.ts";
export { type InTarget, MAX_QUERY_TERMS, type ParsedQuery, parseQuery } from "./parse.ts";
export { MAX_SNIPPET } from "./snippet.ts";
export {
  MAX_QUERY_READS,
  type SearchConversation,
  searchMessages,
  type SearchPage,
  searchPage,
  searchQuerySchema,
  type SearchResult,
} from "./query.ts";
