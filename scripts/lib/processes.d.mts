// Types of processes.mjs for the TypeScript specs that drive it.
import type { ChildProcess } from 'node:child_process';

export interface TreeProcess {
  pid: number;
  ppid: number;
  pgid: number;
}

export interface SuperviseOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  readyPattern?: RegExp;
  quiet?: boolean;
  timeoutMs?: number;
  initialMs?: number;
  maxMs?: number;
  stableMs?: number;
}

export interface Supervised {
  readonly name: string;
  readonly ready: Promise<RegExpExecArray | null>;
  readonly child: ChildProcess;
  readonly restarts: number;
  stop(graceMs?: number): Promise<void>;
}

export function portIsFree(port: number, host?: string): Promise<boolean>;
export function freePort(): Promise<number>;
export function preferPort(port: number): Promise<number>;
export function startChild(
  name: string,
  command: string,
  args: string[],
  options?: Omit<SuperviseOptions, 'initialMs' | 'maxMs' | 'stableMs'> & { detached?: boolean },
): { child: ChildProcess; ready: Promise<RegExpExecArray | null> };
export function waitForHttp(
  url: string,
  options?: { timeoutMs?: number; headers?: Record<string, string> },
): Promise<Response>;
export function stopChild(child: ChildProcess | undefined, signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
export function processTree(pid: number): TreeProcess[];
export function isAlive(pid: number): boolean;
export function superviseChild(name: string, command: string, args: string[], options?: SuperviseOptions): Supervised;
export function stopAll(supervised: Supervised[], graceMs?: number): Promise<void>;
