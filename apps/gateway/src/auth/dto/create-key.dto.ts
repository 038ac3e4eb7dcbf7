import {
  ArrayNotEmpty,
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';

export class CreateKeyDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name!: string;
  /** Provider names, `*` (everything) or `admin` (key management). */
  @IsArray() @ArrayNotEmpty() @Matches(/^(\*|admin|midjourney|ideogram|chatgpt)$/, { each: true }) scopes!: string[];
  /** Strict (no 30 February) and in the one form Postgres reads too: anything else would fail as SQL. */
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/, {
    message: 'expires_at must be an ISO 8601 date-time such as 2026-12-31T23:59:59Z',
  })
  expires_at?: string;
}
