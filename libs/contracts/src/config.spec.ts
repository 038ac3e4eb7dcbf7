import { Transform } from 'class-transformer';
import { IsBoolean, IsInt } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { envBoolean, loadConfig } from './config.js';

class Example {
  @Transform(envBoolean) @IsBoolean() GUARD_OFF: boolean = false;
  @Transform(envBoolean) @IsBoolean() ON_BY_DEFAULT: boolean = true;
  @IsInt() PORT: number = 1;
}

describe('loadConfig booleans', () => {
  it.each([
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['no', false],
    ['', false],
    ['true', true],
    ['True', true],
    ['1', true],
    ['yes', true],
  ])('reads %j as %s (implicit conversion would make every non-empty string true)', (raw, expected) => {
    const config = loadConfig(Example, { GUARD_OFF: raw, ON_BY_DEFAULT: raw });
    expect(config.GUARD_OFF).toBe(expected);
    expect(config.ON_BY_DEFAULT).toBe(expected);
  });

  it('keeps the defaults when unset, and still converts numbers', () => {
    expect(loadConfig(Example, { PORT: '8' })).toMatchObject({ GUARD_OFF: false, ON_BY_DEFAULT: true, PORT: 8 });
  });
});
