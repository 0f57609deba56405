import { describe, expect, it } from 'vitest';
import { maskSqlLiterals, scrubAttributes, withoutQuery } from '../../src/observability/span-privacy.js';

describe('what a span may carry out of the process', () => {
  it('cuts the query string and fragment from URLs, and drops the query attribute', () => {
    const scrubbed = scrubAttributes({
      'url.full': 'https://referrals.example.org/v1/referrals?search=Keza%20Ndayisenga#top',
      'http.target': '/v1/services?near=Mivumba&phone=%2B25779000000',
      'url.path': '/v1/referrals/3f0c',
      'url.query': 'search=Keza',
      'http.request.method': 'GET',
    });
    expect(scrubbed).toEqual({
      'url.full': 'https://referrals.example.org/v1/referrals',
      'http.target': '/v1/services',
      'url.path': '/v1/referrals/3f0c',
      'http.request.method': 'GET',
    });
  });

  it('masks literals in SQL and keeps the placeholders', () => {
    expect(maskSqlLiterals("SELECT * FROM referral WHERE case_code = 'MV-1' AND urgency = $1 AND age > 12 LIMIT 20")).toBe(
      'SELECT * FROM referral WHERE case_code = ? AND urgency = $1 AND age > ? LIMIT ?',
    );
    expect(scrubAttributes({ 'db.query.text': "UPDATE t SET note = 'it''s Keza' WHERE id = $2" })['db.query.text']).toBe('UPDATE t SET note = ? WHERE id = $2');
  });

  it('drops parameter values, bodies, headers and error texts, and leaves a clean span as it is', () => {
    expect(
      scrubAttributes({
        'db.query.parameter.0': 'Keza',
        'http.request.header.authorization': ['Bearer x'],
        'exception.message': 'duplicate key value (Keza)',
        'exception.stacktrace': 'Error: …',
        'exception.type': 'Error',
      }),
    ).toEqual({ 'exception.type': 'Error' });
    const clean = { 'http.route': '/v1/referrals/{referralId}', 'messaging.destination.name': 'notifications.events' };
    expect(scrubAttributes(clean)).toBe(clean);
    expect(withoutQuery('/a/b')).toBe('/a/b');
  });
});
