import { z } from 'zod';
import { EXACTLY_ONE_OF } from './fragments.js';

/** One bad variable and what is wrong with it (never its value). */
export type ConfigIssue = { variable: string; message: string };

/**
 * Thrown by `loadConfig` when the environment does not satisfy the schema.
 * The message names every bad variable so an operator fixes them all in one
 * go, and never contains a value: they may be secrets.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map(formatIssue).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function formatIssue({ variable, message }: ConfigIssue): string {
  // Our own helpers phrase failures as "must …" / "is …" so they read as a sentence.
  return /^(must|is|are) /.test(message) ? `${variable} ${message}` : `${variable}: ${message}`;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Builds a service's configuration schema from env fragments (`httpEnv`,
 * `databaseEnv`, …) and adds the rules that span several variables, such as
 * "exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE". Prefer it to a bare
 * `z.object` so those rules are never forgotten.
 */
export function envSchema<Shape extends z.ZodRawShape>(shape: Shape): z.ZodObject<Shape> {
  const groups = EXACTLY_ONE_OF.filter((group) => group.every((name) => name in shape));
  const schema = z.object(shape);
  if (groups.length === 0) return schema;
  return schema.superRefine(
    (value, ctx) => {
      const present = value as Record<string, unknown>;
      for (const group of groups) {
        const set = group.filter((name) => present[name] !== undefined);
        if (set.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            path: [group[0] ?? ''],
            message: `${set.length === 0 ? 'is required' : 'must not be combined'}: set exactly one of ${group.join(', ')}`,
          });
        }
      }
    },
    // Run even when other variables already failed, so one start reports every problem.
    { when: () => true },
  );
}

/**
 * Validates the environment against `schema` once, at start, and returns the
 * typed configuration. Empty variables count as unset (compose files often
 * write `FOO=${FOO:-}`), so defaults apply to them.
 *
 * @throws ConfigError naming every bad variable.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') input[name] = value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const head = issue.path[0];
    const variable = typeof head === 'string' && head !== '' ? head : '(configuration)';
    if (seen.has(variable)) continue;
    seen.add(variable);
    const missing = issue.code === 'invalid_type' && input[variable] === undefined;
    issues.push({ variable, message: missing ? 'is required' : issue.message });
  }
  throw new ConfigError(issues);
}

/** One variable of a configuration schema, as an operator sees it. */
export type ConfigVariable = {
  name: string;
  /** The service will not start without it. */
  required: boolean;
  /** The value used when unset, written as in an environment file. */
  default?: string;
  /** Set when the variable belongs to a group of which exactly one must be set. */
  exactlyOneOf?: readonly string[];
};

type DefLike = { type?: string; innerType?: unknown; defaultValue?: unknown };

function defOf(schema: unknown): DefLike | undefined {
  if (typeof schema !== 'object' || schema === null || !('def' in schema)) return undefined;
  const def: unknown = schema.def;
  return typeof def === 'object' && def !== null ? (def as DefLike) : undefined;
}

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** Finds a default through optional/nullable wrappers. */
function findDefault(schema: unknown): string | undefined {
  let current: unknown = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    const def = defOf(current);
    if (def === undefined) return undefined;
    if (def.type === 'prefault' || def.type === 'default') return formatDefault(def.defaultValue);
    if (def.innerType === undefined) return undefined;
    current = def.innerType;
  }
  return undefined;
}

/**
 * Lists the variables a configuration schema reads, whether each is required
 * and its default, in declaration order. Used to check compose files and
 * READMEs against the code.
 */
export function describeConfig(schema: z.ZodObject): ConfigVariable[] {
  const names = Object.keys(schema.shape);
  return names.map((name) => {
    const field = schema.shape[name] as z.ZodType;
    const group = EXACTLY_ONE_OF.find((g) => g.includes(name) && g.every((n) => names.includes(n)));
    const fallback = findDefault(field);
    const variable: ConfigVariable = { name, required: group === undefined && !field.safeParse(undefined).success };
    if (fallback !== undefined) variable.default = fallback;
    if (group !== undefined) variable.exactlyOneOf = group;
    return variable;
  });
}
