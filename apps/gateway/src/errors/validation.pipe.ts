import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { toFieldProblems } from '@app/contracts';
import { GatewayException } from './gateway.exception.js';

/** The global HTTP pipe: unknown fields are errors, bodies become DTO instances, failures are INVALID_REQUEST. */
export function httpValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
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
