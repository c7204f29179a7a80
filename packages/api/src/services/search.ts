import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { SearchPage, SearchQuery } from "../schemas";

/**
 * Full-text search over the messages the caller may read (issue 16). Contract stub: the search
 * helper replaces it.
 */
export async function searchMessages(_deps: Deps, _actor: Actor, _input: SearchQuery): Promise<SearchPage> {
  throw new AppError("BAD_INPUT", "search is not built yet");
}
