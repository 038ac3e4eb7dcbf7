import { plainToInstance, type TransformFnParams } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * `@Transform(envBoolean)` for boolean variables: 1/true/yes (any case) are true, anything else false. It reads the
 * raw variable: implicit conversion hands the transform `Boolean('false')`, which is true.
 */
export const envBoolean = ({ key, obj, value }: TransformFnParams): unknown => {
  const raw = (obj as Record<string, unknown>)[key];
  return typeof raw === 'string' ? ['1', 'true', 'yes'].includes(raw.trim().toLowerCase()) : value;
};

/**
 * Loads a config class from the environment before NestFactory runs. The error names every bad variable and its
 * problem, never its value (it may be a secret). Give every field an explicit type so implicit conversion works.
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const config = plainToInstance(cls, env, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}

const LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;

/** Nest logger levels up to and including `level`. */
export function logLevels(level: string): Array<(typeof LEVELS)[number]> {
  const index = LEVELS.indexOf(level as (typeof LEVELS)[number]);
  return LEVELS.slice(0, index < 0 ? 3 : index + 1);
}
