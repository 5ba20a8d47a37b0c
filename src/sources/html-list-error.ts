/**
 * The error of an HTML list page that yields no list: discovery found no repeated block of
 * dated article links, or the source's `list` selectors are invalid or match nothing. The
 * message names the page, what was expected and what was found, and what to configure.
 */
export class HtmlListError extends Error {
  override readonly name = 'HtmlListError';
}
