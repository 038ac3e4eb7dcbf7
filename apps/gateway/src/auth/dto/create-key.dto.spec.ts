import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { CreateKeyDto } from './create-key.dto.js';

const problems = (expires_at: string) =>
  validateSync(plainToInstance(CreateKeyDto, { name: 'k', scopes: ['*'], expires_at })).map((e) => e.property);

describe(CreateKeyDto.name, () => {
  it.each(['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.123+02:00', '2026-12-31'])('accepts %s', (value) => {
    expect(problems(value)).toEqual([]);
  });

  it.each(['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-W01', '20261231', '2026-12-31T24:00:00Z', 'soon'])(
    'refuses %s, which Postgres would refuse as a timestamp',
    (value) => {
      expect(problems(value)).toEqual(['expires_at']);
    },
  );
});
