/**
 * The data behind inline buttons (at most 64 bytes, and chosen by whoever sends the
 * update, so never trusted): `unsub:<subscription id>` (the /unsub list), `stop:<id>`
 * ("stop this subscription" under an alert), `forget:yes` / `forget:no`, `unsuball:yes` /
 * `unsuball:no` (the /unsuball confirmation). A subscription id
 * only names what to act on: handlers check that it belongs to the chat the button was
 * pressed in, and that the person pressing may change that chat.
 */

export type CallbackAction = { kind: 'unsub'; subscriptionId: string } | { kind: 'stop'; subscriptionId: string } | { kind: 'forget'; confirmed: boolean } | { kind: 'unsuball'; confirmed: boolean };

const ID = /^[A-Za-z0-9_-]{1,32}$/;

export function encodeCallback(action: CallbackAction): string {
  switch (action.kind) {
    case 'unsub':
    case 'stop':
      if (!ID.test(action.subscriptionId)) throw new Error(`not a subscription id: ${JSON.stringify(action.subscriptionId)}`);
      return `${action.kind}:${action.subscriptionId}`;
    case 'forget':
    case 'unsuball':
      return `${action.kind}:${action.confirmed ? 'yes' : 'no'}`;
  }
}

/** The action a button's data names, or undefined for anything else. */
export function decodeCallback(data: string | undefined): CallbackAction | undefined {
  if (data === undefined) return undefined;
  const m = /^(unsub|stop|forget|unsuball):(.+)$/.exec(data);
  if (!m) return undefined;
  const [, kind, arg] = m as unknown as [string, string, string];
  if (kind === 'forget' || kind === 'unsuball') {
    if (arg !== 'yes' && arg !== 'no') return undefined;
    const confirmed = arg === 'yes';
    return kind === 'forget' ? { kind: 'forget', confirmed } : { kind: 'unsuball', confirmed };
  }
  if (!ID.test(arg)) return undefined;
  return kind === 'unsub' ? { kind: 'unsub', subscriptionId: arg } : { kind: 'stop', subscriptionId: arg };
}
