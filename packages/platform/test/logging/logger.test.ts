import { describe, expect, it } from 'vitest';
import { runWithContext } from '../../src/context.js';
import { REDACT_PATHS } from '../../src/logging/logger.js';
import { captureLogger } from './capture.js';

describe('createLogger', () => {
  it('writes JSON with service, version, level name and ISO time', () => {
    const { logger, lines } = captureLogger('referrals');
    logger.info({ referralId: 'r-1' }, 'referral submitted');
    const [line] = lines();
    expect(line).toMatchObject({ service: 'referrals', version: '9.9.9', level: 'info', referralId: 'r-1', msg: 'referral submitted' });
    expect(String(line?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('adds the request id to every line logged inside a context, and only there', async () => {
    const { logger, lines } = captureLogger();
    await runWithContext({ requestId: 'req-abc' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.child({ component: 'relay' }).info('inside');
    });
    logger.info('outside');
    const [inside, outside] = lines();
    expect(inside).toMatchObject({ msg: 'inside', requestId: 'req-abc', component: 'relay' });
    expect(outside?.msg).toBe('outside');
    expect(outside).not.toHaveProperty('requestId');
  });

  it('redacts credentials and personal data at any reasonable depth', () => {
    const { logger, raw, lines } = captureLogger();
    const secrets = {
      authorization: 'Bearer eyJ-top-secret',
      req: { headers: { authorization: 'Bearer eyJ-header-secret', cookie: 'session=cookie-secret', host: 'hub.local' } },
      password: 'pw-secret',
      config: { secret: 'client-secret-value', token: 'refresh-token-value' },
      referral: {
        id: 'ref-1',
        payload: { 'child.firstName': 'Aminata' },
        service: { name: 'Safe Space Dakar' },
      },
      event: { data: { child: { name: 'Moussa', dateOfBirth: '2015-04-02' }, caregiver: { name: 'Fatou' } } },
      contact: { firstName: 'Ibrahima', lastName: 'Ndiaye', phone: '+221770001122', email: 'i.ndiaye@example.org', address: 'Rue 10' },
      recipients: [{ email: 'focal@example.org' }],
      deep: { a: { b: { dateOfBirth: '2014-01-01' } } },
    };
    logger.info(secrets, 'audit');
    const text = raw();
    for (const value of [
      'eyJ-top-secret',
      'eyJ-header-secret',
      'cookie-secret',
      'pw-secret',
      'client-secret-value',
      'refresh-token-value',
      'Aminata',
      'Moussa',
      '2015-04-02',
      'Fatou',
      'Ibrahima',
      'Ndiaye',
      '+221770001122',
      'i.ndiaye@example.org',
      'Rue 10',
      'focal@example.org',
      '2014-01-01',
    ]) {
      expect(text).not.toContain(value);
    }
    const [line] = lines();
    // Non-personal context survives, and the censor marks what was removed.
    expect(line).toMatchObject({
      referral: { id: 'ref-1', payload: '[redacted]', service: { name: 'Safe Space Dakar' } },
      req: { headers: { host: 'hub.local', authorization: '[redacted]' } },
    });
    // The caller's object is not modified.
    expect(secrets.password).toBe('pw-secret');
  });

  it('exports the redaction list so reviewers can see what is covered', () => {
    expect(REDACT_PATHS).toEqual(expect.arrayContaining(['req.headers.authorization', 'password', '*.payload', '*.email', 'child']));
  });
});
