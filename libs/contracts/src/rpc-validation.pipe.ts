import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ProviderException } from './errors.js';

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens nested validation errors into `{ field: 'options.ar', problems: [...] }`; HTTP uses it too. */
export function toFieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldProblems(error.children ?? [], field)];
  });
}

/** RPC pipes must throw RpcException, or the caller gets only a generic error. */
export const rpcValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors: ValidationError[]) =>
    new RpcException({
      code: 'INVALID_PAYLOAD',
      message: 'Payload failed validation',
      details: toFieldProblems(errors),
    }),
});

/**
 * Validates a JetStream payload (Nest pipes do not run there); throws ProviderException('INVALID_PAYLOAD'). Unknown
 * fields are refused unless `keepUnknown` (events from a newer worker may carry fields this process does not know).
 */
export function parsePayload<T extends object>(
  cls: new () => T,
  data: unknown,
  { keepUnknown = false }: { keepUnknown?: boolean } = {},
): T {
  const instance = plainToInstance(cls, data ?? {});
  const errors = validateSync(instance, keepUnknown ? {} : { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new ProviderException('INVALID_PAYLOAD', 'Payload failed validation', { problems: toFieldProblems(errors) });
  }
  return instance;
}
