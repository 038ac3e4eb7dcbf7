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
  @IsOptional() @IsISO8601() expires_at?: string;
}
