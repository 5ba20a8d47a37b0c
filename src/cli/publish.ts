/**
 * `tidings publish --out DIR`: writes every merged feed (Atom, RSS 2.0, JSON Feed) for all
 * sources, each tag and each source, plus sources.opml, from what the store holds.
 */
import { loadSettings } from '../config/settings.js';
import { loadSources } from '../config/sources.js';
import { createApp } from '../app.js';
import { FeedService } from '../pipeline/feed-service.js';
import { parse } from './args.js';
import { UsageError } from './usage-error.js';

export async function runPublish(args: string[]): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' }, sources: { type: 'string' } });
  if (!values.out) throw new UsageError('publish: --out DIR is required');
  const settings = loadSettings();
  const file = values.sources;
  const app = await createApp(settings, file ? { loadYaml: () => loadSources(file) } : {});
  try {
    await app.registry.load();
    const feeds = new FeedService({ store: app.store, sources: () => app.registry.all(), publicUrl: settings.PUBLIC_URL, maxEntries: settings.FEED_MAX_ENTRIES });
    const written = await feeds.publishAll(values.out);
    app.logger.info({ dir: values.out, files: written.length }, `wrote ${written.length} files to ${values.out}`);
    return 0;
  } finally {
    await app.close();
  }
}
