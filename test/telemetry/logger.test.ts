import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyLogSettings, createLogger } from '../../src/telemetry/logger.ts';

let written: string[];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('the process logger across a reload (applyLogSettings)', () => {
  it('changes the level at once for child loggers made before the change', () => {
    const logger = createLogger({}, { level: 'info' });
    const component = logger.child({ component: 'otlp' }).child({ pipeline: 'metrics' });
    component.debug('before');

    applyLogSettings(logger, {}, { level: 'debug' });
    component.debug('after');

    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 'debug', msg: 'after', component: 'otlp', pipeline: 'metrics' });
  });

  it('switches the encoding between JSON lines and readable console lines', () => {
    const logger = createLogger({}, {});
    const child = logger.child({ worker: 1 });
    child.info('json');
    applyLogSettings(child, {}, { encoding: 'console' });
    child.warn('readable');
    applyLogSettings(logger, {}, { encoding: 'json' });
    child.info('json again');

    expect(JSON.parse(written[0]!)).toMatchObject({ msg: 'json', worker: 1 });
    expect(written[1]).toMatch(/^\S+ WARN  readable \{"worker":1\}\n$/);
    expect(JSON.parse(written[2]!)).toMatchObject({ msg: 'json again' });
  });

  it('puts the new initial_fields on every line from then on, child loggers made before included, and a line’s own field wins', () => {
    const logger = createLogger({}, { initial_fields: { region: 'eu-1', cell: 'a' } });
    const child = logger.child({ component: 'otlp' });
    child.info('before');
    applyLogSettings(logger, {}, { initial_fields: { region: 'us-2' } });
    child.info('after');
    child.info({ region: 'own' }, 'own field');
    applyLogSettings(logger, {}, {});
    logger.info('none');

    const lines = written.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ msg: 'before', region: 'eu-1', cell: 'a', component: 'otlp', service: 'switchyard' });
    expect(lines[1]).toMatchObject({ msg: 'after', region: 'us-2', component: 'otlp' });
    expect(lines[1]).not.toHaveProperty('cell');
    expect(lines[2]).toMatchObject({ msg: 'own field', region: 'own' });
    expect(lines[3]).not.toHaveProperty('region');
  });

  it('falls back to LOG_LEVEL and LOG_FORMAT when the new config leaves level and encoding out', () => {
    const logger = createLogger({ LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty' }, { level: 'debug', encoding: 'json' });
    logger.debug('config level');
    applyLogSettings(logger, { LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty' }, {});
    logger.info('below LOG_LEVEL');
    logger.error('readable');

    expect(written).toHaveLength(2);
    expect(JSON.parse(written[0]!)).toMatchObject({ msg: 'config level' });
    expect(written[1]).toMatch(/ ERROR readable\n$/);
  });
});
