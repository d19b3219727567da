// Writes configs/run-config.schema.json from the run config schema (libs/train, zod):
//   npx tsx tools/gen-config-schema.ts      (or `abd config schema > configs/run-config.schema.json`)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_CONFIG_SCHEMA_FILE, runConfigJsonSchemaText } from '@abd/train';

writeFileSync(join(__dirname, '..', RUN_CONFIG_SCHEMA_FILE), runConfigJsonSchemaText());
console.log(`wrote ${RUN_CONFIG_SCHEMA_FILE}`);
