import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.js';
import type { Logger } from '../../src/logging/logger.js';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A real pino logger writing into memory, so tests can read what would reach stdout. */
export function captureLogger(service = 'test-service'): { logger: Logger; lines: () => LogLine[]; raw: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ service, version: '9.9.9', level: 'debug', destination });
  const raw = () => chunks.join('');
  const lines = () =>
    raw()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  return { logger, lines, raw };
}
