import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { envBoolean, type ProviderEntry } from '@app/contracts';

export class SimulatorConfig {
  @IsInt() @Min(0) @Max(65535) SIMULATOR_PORT: number = 4000;
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

/**
 * The port of one imitated origin (the catalog's `simulator` list): SIM_<PROVIDER>_<ORIGIN>_PORT, e.g.
 * SIM_MIDJOURNEY_CDN_PORT, else the catalog's. Read apart from SimulatorConfig: the origins come from the catalog.
 */
export function simulatorPort(entry: ProviderEntry, origin: string, env: NodeJS.ProcessEnv = process.env): number {
  const variable = `SIM_${entry.env}_${origin.toUpperCase()}_PORT`;
  const raw = env[variable];
  const port = raw === undefined || raw === '' ? (entry.simulator as Record<string, number>)[origin] : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid configuration:\n  ${variable}: must be a port number (0-65535)`);
  }
  return port;
}
