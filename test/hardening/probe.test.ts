import { it } from 'vitest';
import { sqliteDriver, testApi } from '../http/support.js';

it('probe', async () => {
  const h = await testApi(sqliteDriver());
  for (const [m, u, p, ct] of [
    ['POST', '/rules/app', '', 'application/json'],
    ['DELETE', '/rules/app/1', '', 'application/json'],
    ['POST', '/ingest', '{}', 'application/json'],
    ['POST', '/rules/app', 'a,b', 'text/csv'],
    ['GET', '/alerts?page=99999999999999', undefined, undefined],
    ['GET', '/alerts?page=9007199254740993', undefined, undefined],
    ['GET', '/alerts?per_page=0', undefined, undefined],
  ] as const) {
    const r = await h.app.inject({ method: m, url: u, payload: p, headers: ct ? { 'content-type': ct } : {} });
    console.log(m, u, r.statusCode, r.body.slice(0, 300));
  }
  await h.close();
});
