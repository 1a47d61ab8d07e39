import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('defaults to the embedded database in ./data on port 3000', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.database.kind).toBe('pglite');
    expect(c.dataDir.endsWith('data')).toBe(true);
    expect(c.services).toEqual(new Set(['api', 'worker', 'scheduler']));
    expect(c.accountPurgeDelayDays).toBeLessThanOrEqual(6);
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/tillit', SECRET_KEY: 'x'.repeat(32) });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/tillit' });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SMTP_URL: 'http://mail', SECRET_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'SMTP_URL', 'SECRET_KEY']) expect(problems).toContain(name);
  });

  it('refuses an unknown service name', () => {
    expect(() => loadConfig({ SERVICES: 'api,mailer' })).toThrow(/mailer/);
  });
});
