/**
 * `npm run bench [-- <name>…]`: every benchmark, or the named ones (embedded, graphql, controllers, rest), printing
 * figures. Performance targets live here, not in timed tests.
 */
import { benchEmbeddedApi } from './embedded-api.bench.js';
import { benchGraphql } from './graphql.bench.js';
import { benchControllers } from './controllers.bench.js';
import { benchRest } from './rest.bench.js';

const BENCHES: Record<string, () => Promise<void>> = { embedded: benchEmbeddedApi, graphql: benchGraphql, controllers: benchControllers, rest: benchRest };

const wanted = process.argv.slice(2);
for (const name of wanted) if (!BENCHES[name]) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
for (const [name, bench] of Object.entries(BENCHES)) if (wanted.length === 0 || wanted.includes(name)) await bench();
process.exit(0);
