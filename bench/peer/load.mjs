// One load test with autocannon, the same for both servers. Usage: node load.mjs <spec.json>
// spec: {url, method, headers, body, connections, duration, warmup, expect, expectBody,
//        refreshTokens?: [...], refreshExtra?: '&resource=...'}  (a refresh grant with rotation)
// Prints one JSON line: {rps, p50, p99, requests, errors}; errors counts connection errors,
// timeouts, responses other than `expect` (default 200), and 200 answers whose body does not match
// `expectBody` (a regular expression) or, for refresh, carries no new refresh token.
import fs from 'node:fs';

import autocannon from 'autocannon';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const expect = spec.expect ?? 200;
let badBodies = 0;

// Refresh with rotation: each refresh token works once, so every request takes one from the pool
// and every answer puts the new one back (a pool of chains, larger than the connection count).
const pool = spec.refreshTokens ? [...spec.refreshTokens] : null;
function refreshRequest() {
  return {
    method: 'POST',
    setupRequest(request) {
      const token = pool.shift();
      if (!token) throw new Error('refresh-token pool is empty: too many failed refreshes');
      return { ...request, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}${spec.refreshExtra ?? ''}` };
    },
    onResponse(status, body) {
      if (status !== expect) return; // counted by status
      try {
        const next = JSON.parse(body).refresh_token;
        if (next) { pool.push(next); return; }
      } catch { /* counted below */ }
      badBodies += 1;
    },
  };
}

// Any other flow: a 200 must also say the right thing (an introspection `active: true`...).
const pattern = spec.expectBody ? new RegExp(spec.expectBody) : null;
function checkedRequest() {
  return {
    onResponse(status, body) {
      if (status === expect && !pattern.test(body)) badBodies += 1;
    },
  };
}

function run(duration) {
  const options = {
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    body: spec.body,
    connections: spec.connections,
    duration,
    timeout: 10,
  };
  if (pool) options.requests = [refreshRequest()];
  else if (pattern) options.requests = [checkedRequest()];
  return autocannon(options);
}

if (spec.warmup > 0) await run(spec.warmup);
badBodies = 0;
const result = await run(spec.duration);
const wrongStatus = Object.entries(result.statusCodeStats ?? {})
  .filter(([code]) => Number(code) !== expect)
  .reduce((sum, [, stats]) => sum + stats.count, 0);
console.log(JSON.stringify({
  rps: result.requests.average,
  requests: result.requests.total,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors + result.timeouts + wrongStatus + badBodies,
  detail: { errors: result.errors, timeouts: result.timeouts, statuses: result.statusCodeStats,
    badBodies },
}));
