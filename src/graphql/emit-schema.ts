/** `npm run schema`: writes schema/schema.graphql from the code. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { schemaSdl } from './schema.js';

export const SCHEMA_FILE = resolve(import.meta.dirname, '../../../schema/schema.graphql');

writeFileSync(SCHEMA_FILE, await schemaSdl());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
