import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateSessionDto {
  @ApiProperty({ description: 'An API key; the session gets its scopes', example: 'gw_3f9c…' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  api_key!: string;
}
