/**
 * An invalid query: the message says what is wrong and, where it applies, where
 * (`unclosed "(" at 7`); `position` is the 1-based character position it refers to.
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    message: string,
    /** 1-based character (code point) position in the query text. */
    readonly position: number,
  ) {
    super(message);
  }
}
