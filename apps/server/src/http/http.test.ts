import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/harness.ts';

describeEachDatabase('HTTP boundary', (env) => {
  const cookie = 'tillit.session_token=forged';

  it('refuses a cookie-authenticated write from another origin (CSRF)', async () => {
    const c = env().client();
    const crossSite = await c.post('/api/audit/verify', {}, { cookie, origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toMatchObject({ error: { code: 'csrf' } });
    const noOrigin = await env().app.inject({
      method: 'POST',
      url: '/api/audit/verify',
      headers: { cookie },
      payload: {},
    });
    expect(noOrigin.statusCode).toBe(403);
    // From our own origin the request passes the CSRF check and meets authentication.
    const sameOrigin = await c.post('/api/audit/verify', {}, { cookie });
    expect(sameOrigin.status).toBe(401);
  });

  it('answers malformed JSON with 400 invalid_json and no stack trace', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: '/api/audit/verify',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
      payload: '{"a": ',
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: 'invalid_json', fields: { body: expect.any(String) } },
    });
    expect(res.body).not.toMatch(/at .*\.ts|SyntaxError/);
  });

  it('answers an oversized body with 413', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: '/api/audit/verify',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
      payload: JSON.stringify({ x: 'a'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('answers a bad query with 422 naming the field', async () => {
    const res = await env().client().get('/api/audit?limit=100000&action=DROP%20TABLE');
    // Authentication runs after validation: the field problems come first.
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed', fields: { limit: expect.any(String) } } });
  });

  it('answers an unknown query field with 422', async () => {
    const res = await env().client().get('/api/outbox?sneaky=1');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { fields: { sneaky: 'is not a known field' } } });
  });
});

describeEachDatabase('text that no column can store', (env) => {
  it('refuses NUL characters and lone surrogates with 422 naming the field, and stores nothing', async () => {
    const c = env().client();
    const nul = await c.post('/api/setup/first-run', {
      account: {
        email: 'nul@example.test',
        password: 'long enough password',
        firstName: 'A\u0000B',
        lastName: 'X',
        dateOfBirth: '1980-01-01',
      },
      workspace: { name: 'W', country: 'NO', region: 'eu' },
    });
    expect(nul.status).toBe(422);
    expect(nul.body).toMatchObject({
      error: { code: 'validation_failed', fields: { 'account.firstName': expect.any(String) } },
    });
    const broken = await env().app.inject({
      method: 'POST',
      url: '/api/setup/first-run',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
      payload:
        '{"account":{"email":"s@example.test","password":"long enough password","firstName":"\\ud800","lastName":"X","dateOfBirth":"1980-01-01"},"workspace":{"name":"W","country":"NO","region":"eu"}}',
    });
    expect(broken.statusCode).toBe(422);
    expect(JSON.parse(broken.body)).toMatchObject({
      error: { fields: { 'account.firstName': 'is not valid Unicode text' } },
    });
    const setup = await c.get('/api/setup');
    expect(setup.body).toMatchObject({ firstRun: true });
  });

  it('keeps HTML and SQL metacharacters verbatim as data', async () => {
    const c = env().client();
    const name = `<script>alert(1)</script>'; DROP TABLE users; --`;
    const res = await c.post('/api/setup/first-run', {
      account: {
        email: 'meta@example.test',
        password: 'long enough password',
        firstName: name,
        lastName: 'Ø',
        dateOfBirth: '1980-01-01',
      },
      workspace: { name: `"Acme" & <Co>`, country: 'NO', region: 'eu' },
    });
    expect(res.status).toBe(201);
    const me = await c.get<{ firstName: string }>('/api/account/me');
    expect(me.body.firstName).toBe(name);
    expect(me.headers['content-type']).toContain('application/json');
  });
});
