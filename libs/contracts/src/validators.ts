import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

/** A string with at least one non-whitespace character: `'   '` passes @IsNotEmpty but is no prompt. */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.trim().length > 0,
        defaultMessage: buildMessage((each) => `${each}$property must not be blank`, options),
      },
    },
    options,
  );
}
