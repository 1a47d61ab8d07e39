import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';

describeEachDatabase('system endpoints', (env) => {
  it('GET /api/health reports status, database and version', async () => {
    const res = await env().client().get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: env().kind, version: expect.any(String) });
  });

  it('serves the OpenAPI 3.1 document and a reference page', async () => {
    const doc = await env().client().get<{ openapi: string; paths: Record<string, unknown> }>('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/health');
    const page = await env().client().get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script src="/api/docs/scalar.js">');
    expect(page.text).not.toMatch(/<script>[^<]/);
    const init = await env().client().get('/api/docs/init.js');
    expect(init.text).toContain('/api/openapi.json');
    const bundle = await env().client().get('/api/docs/scalar.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });

  it('answers unknown API routes with the error shape', async () => {
    const res = await env().client().get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('reports a first run while no account exists', async () => {
    const res = await env().client().get('/api/setup');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ firstRun: true });
  });

  it('sets security headers: a CSP without unsafe-inline scripts, no HSTS over plain HTTP', async () => {
    const res = await env().client().get('/api/health');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
