import { configKeysText, RECIPES, runConfigJsonSchemaText } from '@abd/train';

/** What each recipe preset sets, one line each (from RECIPES, not a hand list). */
export function recipesText(): string {
  return Object.entries(RECIPES)
    .map(([name, keys]) => {
      const set = Object.entries(keys).flatMap(([s, kv]) =>
        Object.entries(kv as Record<string, unknown>).map(([k, v]) => `${s}.${k}=${String(v)}`),
      );
      return `  ${name.padEnd(10)}  ${set.join(', ')}`;
    })
    .join('\n');
}

/** The help text of the config keys: every key with its type and default, then the recipes. */
export function configHelpText(): string {
  return `Config keys (YAML; key=value overrides use the same paths):\n${configKeysText()}\n\nRecipes (\`recipe:\`; explicit keys override the preset):\n${recipesText()}\n`;
}

/** `abd config keys`: every config key with its type and default. */
export function configKeysCommand(): void {
  process.stdout.write(configHelpText());
}

/** `abd config schema`: the run config's JSON Schema (the file configs/run-config.schema.json). */
export function configSchemaCommand(): void {
  process.stdout.write(runConfigJsonSchemaText());
}
