import {
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
  type Type,
  type ValidationError,
} from '@nestjs/common';
import { toFieldProblems } from '@app/contracts';
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

function pipe(forbidNonWhitelisted: boolean): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const details = toFieldProblems(errors);
      const first = details[0];
      return new GatewayException(
        'INVALID_REQUEST',
        first ? `${first.field}: ${first.problems[0]}` : 'Invalid request',
        details,
      );
    },
  });
}

/**
 * The global HTTP pipe: bodies and queries become DTO instances, failures are INVALID_REQUEST, unknown fields are
 * errors — except on DTOs marked @LenientFields(), where they are stripped.
 */
export class GatewayValidationPipe implements PipeTransform {
  private readonly strict = pipe(true);
  private readonly lenient = pipe(false);

  transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return (hasLenientFields(metadata.metatype) ? this.lenient : this.strict).transform(value, metadata);
  }
}

export function httpValidationPipe(): GatewayValidationPipe {
  return new GatewayValidationPipe();
}
