import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { envBoolean } from '@app/contracts';

export class SimulatorConfig {
  @IsInt() @Min(0) @Max(65535) SIMULATOR_PORT: number = 4000;
  @IsInt() @Min(0) @Max(65535) SIM_MIDJOURNEY_APP_PORT: number = 4001;
  @IsInt() @Min(0) @Max(65535) SIM_MIDJOURNEY_CDN_PORT: number = 4002;
  @IsInt() @Min(0) @Max(65535) SIM_MIDJOURNEY_LINKS_PORT: number = 4003;
  /** ws.midjourney.com stand-in (the websocket). */
  @IsInt() @Min(0) @Max(65535) SIM_MIDJOURNEY_WS_PORT: number = 4005;
  @IsInt() @Min(0) @Max(65535) SIM_IDEOGRAM_APP_PORT: number = 4004;
  @IsInt() @Min(0) @Max(65535) SIM_CHATGPT_APP_PORT: number = 4010;
  /** gemini.google.com stand-in (the Veo video tool). */
  @IsInt() @Min(0) @Max(65535) SIM_GEMINI_APP_PORT: number = 4011;
  /** Host name used in the URLs and cookies the simulator hands out. */
  @IsString() SIM_HOST: string = 'localhost';
  /** Interface to listen on. */
  @IsString() SIM_BIND: string = '127.0.0.1';
  /** Global time factor: 1 ≈ real render times (fast ≈ 30 s), 0.02 for tests. */
  @IsNumber() @Min(0.0001) SIM_SPEED: number = 1;
  @IsOptional() @IsNumber() @Min(0) SIM_JITTER: number = 0;
  /** Every origin on a free port (tests run several simulators at once); SIMULATOR_READY tells the URLs. */
  @Transform(envBoolean)
  @IsBoolean()
  SIM_ANY_PORTS: boolean = false;
  /** JSON log lines at this level and up; `debug` also logs every request. */
  @IsIn(['error', 'warn', 'log', 'debug']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' = 'log';
}
