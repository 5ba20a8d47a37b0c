/** Bad command-line usage: printed with the help text, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
