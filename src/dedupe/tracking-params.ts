/**
 * Query parameters that only track who shared or clicked a link, never select content:
 * campaign tags (utm_*), ad click ids, mail-merge ids, and the share markers Chinese
 * platforms append (WeChat's `scene`/`clicktime`, Taobao's `spm`, Douyin's `share_token`).
 * canonicalUrl drops them so one article has one URL whichever link reached it.
 * Names compare case-insensitively.
 */

/** Parameter names dropped exactly. */
export const TRACKING_PARAMS: ReadonlySet<string> = new Set([
  'spm',
  'from',
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'twclid',
  'ttclid',
  'yclid',
  'igshid',
  'igsh',
  'mc_cid',
  'mc_eid',
  '_hsenc',
  '_hsmi',
  '_ga',
  '_gl',
  'mkt_tok',
  'oly_anon_id',
  'oly_enc_id',
  'vero_id',
  'rb_clickid',
  's_cid',
  'share_token',
  'share_source',
  'share_medium',
  'share_from',
  'shareid',
  'isappinstalled',
  'scene',
  'clicktime',
  'enterid',
  'wfr',
  'srcid',
  'timestamp_share',
  'ref_src',
  'ref_url',
]);

/** Parameter-name prefixes dropped (`utm_source`, `sharer_shareid`, …). */
export const TRACKING_PARAM_PREFIXES: readonly string[] = ['utm_', 'sharer_', 'pk_', 'mtm_', 'hmsr', 'hmpl', 'hmcu', 'hmkw', 'hmci'];

/** Whether a query parameter (by its decoded name) only tracks. */
export function isTrackingParam(name: string): boolean {
  const lower = name.toLowerCase();
  return TRACKING_PARAMS.has(lower) || TRACKING_PARAM_PREFIXES.some((prefix) => lower.startsWith(prefix));
}
