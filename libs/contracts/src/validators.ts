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

/**
 * A product_design row id as the original routes take it: usually a uuid, but the original never checked, so any
 * short id of letters, digits, `-` and `_` (it also names a storage folder, so nothing path-like).
 */
export const IDEA_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** An idea id the product_design sync can address (its `id` column is a uuid). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
