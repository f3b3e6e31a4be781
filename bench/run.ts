/** `npm run bench`: every benchmark, printing figures (targets live here, not in timed tests). */
import { benchEmbeddedApi } from './embedded-api.bench.js';

await benchEmbeddedApi();
process.exit(0);
