import {
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
  type Type,
  type ValidationError,
} from '@nestjs/common';
import { toFieldProblems, type FieldProblem } from '@app/contracts';
import { GatewayException } from './gateway.exception.js';

const LENIENT_FIELDS = Symbol('gateway:lenient-fields');

/**
 * Marks a DTO whose unknown fields are dropped rather than refused. For the original routes only: their clients
 * send fields the original ignored (`user_id`, cache-busters in query strings). Known fields are still validated;
 * `/v1/*` DTOs stay strict. Subclasses inherit the mark.
 */
export function LenientFields(): ClassDecorator {
  return (target) => Reflect.defineMetadata(LENIENT_FIELDS, true, target);
}

export function hasLenientFields(metatype: Type<unknown> | undefined): boolean {
  return !!metatype && Reflect.getMetadata(LENIENT_FIELDS, metatype) === true;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

/**
 * A value the DTO's transforms turned into another JSON type than the client sent (`true` into 1 through
 * `@Type(() => Number)`, `[5]` into 5). Allowed: numeric strings into numbers and numbers into strings (n8n sends
 * either), 'true'/'false' into booleans. Walks the request and the DTO instance side by side.
 */
export function findCoercion(raw: unknown, out: unknown, path = ''): FieldProblem | null {
  if (out === undefined || out === null || raw === undefined || raw === null) return null;
  const field = path || '(body)';
  if (typeof out !== 'object') {
    if (typeof raw === typeof out) return null;
    const allowed =
      (typeof raw === 'string' && typeof out === 'number' && NUMERIC.test(raw.trim()) && Number(raw) === out) ||
      (typeof raw === 'number' && typeof out === 'string') ||
      (typeof raw === 'string' && typeof out === 'boolean' && raw === String(out));
    return allowed ? null : { field, problems: [`must be ${kindOf(out)}, not ${kindOf(raw)}`] };
  }
  if (typeof raw !== 'object') return null; // e.g. an ISO string into a Date
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(out, key)) continue; // stripped by the whitelist
    const problem = findCoercion(value, (out as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    if (problem) return problem;
  }
  return null;
}

function invalid(details: FieldProblem[]): GatewayException {
  const first = details[0];
  return new GatewayException(
    'INVALID_REQUEST',
    first ? `${first.field}: ${first.problems[0]}` : 'Invalid request',
    details,
  );
}

function pipe(forbidNonWhitelisted: boolean): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => invalid(toFieldProblems(errors)),
  });
}

/**
 * The global HTTP pipe: bodies and queries become DTO instances, failures are INVALID_REQUEST, unknown fields are
 * errors — except on DTOs marked @LenientFields(), where they are stripped. On strict DTOs (all of `/v1`) a value of
 * the wrong JSON type is refused rather than coerced; lenient DTOs keep the original Midjourney service's leniency.
 */
export class GatewayValidationPipe implements PipeTransform {
  private readonly strict = pipe(true);
  private readonly lenient = pipe(false);

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (hasLenientFields(metadata.metatype)) return this.lenient.transform(value, metadata);
    const result: unknown = await this.strict.transform(value, metadata);
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = findCoercion(value, result);
      if (problem) throw invalid([problem]);
    }
    return result;
  }
}

export function httpValidationPipe(): GatewayValidationPipe {
  return new GatewayValidationPipe();
}
