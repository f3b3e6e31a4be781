/** `npm run bench`: every benchmark, printing figures (targets live here, not in timed tests). */
import { benchEmbeddedApi } from './embedded-api.bench.js';
import { benchGraphql } from './graphql.bench.js';

await benchEmbeddedApi();
await benchGraphql();
process.exit(0);
