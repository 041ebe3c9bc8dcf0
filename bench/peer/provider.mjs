// The certified peer for `make bench`: panva's oidc-provider 9.x in one Node process, set up
// like our IdP (bench/README.md, "Fair terms"). Usage: node provider.mjs <config.json>
// config: {port, issuer, alg, client: {client_id, client_secret, redirect_uri}, resource,
//          accounts: [{login, password, level, totp_secret, ...profile}]}
// Prints "ready" on stdout once it listens on 127.0.0.1:<port>.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import { Algorithm, hash, verify } from '@node-rs/argon2';
import Provider, { interactionPolicy } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import { verifySync } from 'otplib';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
// Our production Argon2id cost (config/default.toml [ARGON2]).
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const STEP = 30;
const SIGNING_ALG = config.alg || 'ES256'; // access and ID tokens, as ours (IDP_ACCESS_TOKEN_SIGNING_ALG)
const PAIRWISE_SALT = crypto.randomBytes(32);

// --- accounts: hashed at start-up, like `accounts create --password-stdin` ------------------
const accounts = new Map(); // login -> account
for (const spec of config.accounts) {
  accounts.set(spec.login, { ...spec, hash: await hash(spec.password.normalize('NFC'), ARGON2) });
}
const dummyHash = await hash('not a real password, ever', ARGON2); // unknown logins cost the same
const consents = new Map(); // `${login} ${client_id}` -> Set of scopes (remembered consent)
const totpUsed = new Map(); // login -> highest time step used (replay defence, like ours)
const pending = new Map(); // interaction uid -> login whose password was right (step-up pending)

function claimsOf(account) {
  return {
    sub: account.login,
    name: `${account.given_name} ${account.family_name}`,
    given_name: account.given_name,
    family_name: account.family_name,
    birthdate: account.birthdate,
    gender: account.gender,
    locale: account.locale,
    email: account.login,
    email_verified: true,
    phone_number: account.phone_number,
    phone_number_verified: false,
  };
}

// --- storage: oidc-provider's in-memory adapter on a map that expires entries but never evicts
// live ones (its default store is an LRU of 1,000 entries, which drops live tokens under load),
// swept every 1,000 writes like our in-process store.
class ExpiringMap {
  #data = new Map();
  #writes = 0;
  get(key) {
    const entry = this.#data.get(key);
    if (entry && entry.expiresAt <= Date.now()) this.#data.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
  }
  set(key, value, { maxAge } = {}) {
    this.#data.set(key, { value, expiresAt: Number.isFinite(maxAge) ? Date.now() + maxAge : Infinity });
    this.#writes += 1;
    if (this.#writes % 1000 === 0) {
      const now = Date.now();
      for (const [k, entry] of this.#data) if (entry.expiresAt <= now) this.#data.delete(k);
    }
  }
  has(key) { return this.get(key) !== undefined; }
  delete(key) { this.#data.delete(key); }
  clear() { this.#data.clear(); }
}
const store = new ExpiringMap();
class Adapter extends MemoryAdapter {
  constructor(model) { super(model, store); }
}

// --- keys: the same set as ours (SIGNING_ALG signs access and ID tokens; all three published) --
function jwk(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  const key = privateKey.export({ format: 'jwk' });
  return { ...key, alg, use: 'sig', kid: crypto.randomUUID() };
}
const keys = [
  jwk('ec', { namedCurve: 'P-256' }, 'ES256'),
  jwk('rsa', { modulusLength: 3072 }, 'RS256'),
  jwk('rsa', { modulusLength: 3072 }, 'PS256'),
];

// --- step-up: acr_values=2 (or an essential acr claim) for a level-2 account asks for TOTP ------
function wantsLevel2(ctx) {
  const { params } = ctx.oidc;
  if ((params.acr_values || '').split(' ').includes('2')) return true;
  try {
    const acr = JSON.parse(params.claims || '{}').id_token?.acr;
    return Boolean(acr?.essential && (acr.values || [acr.value]).includes('2'));
  } catch { return false; }
}
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'step_up', 'a second factor is required', (ctx) => {
    const { session } = ctx.oidc;
    const account = accounts.get(session.accountId);
    return Boolean(account?.totp_secret && wantsLevel2(ctx) && session.acr !== '2');
  },
));

const resourceServer = {
  scope: 'api',
  audience: config.resource,
  accessTokenTTL: 600,
  accessTokenFormat: 'jwt',
  jwt: { sign: { alg: SIGNING_ALG } },
};

const provider = new Provider(config.issuer, {
  adapter: Adapter,
  clients: [{
    client_id: config.client.client_id,
    client_secret: config.client.client_secret,
    redirect_uris: [config.client.redirect_uri],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: SIGNING_ALG,
    subject_type: 'pairwise',
  }],
  jwks: { keys },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'birthdate', 'gender', 'locale'],
    email: ['email', 'email_verified'],
    phone: ['phone_number', 'phone_number_verified'],
    acr: null, amr: null, auth_time: null, sid: null,
  },
  scopes: ['openid', 'profile', 'email', 'phone'], // 'api' belongs to the resource server
  acrValues: ['1', '2'],
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: (ctx, accountId, client) => crypto.createHmac('sha256', PAIRWISE_SALT)
    .update(`${client.sectorIdentifier}\0${accountId}`).digest('base64url'),
  findAccount: (ctx, sub) => {
    const account = accounts.get(sub);
    return account && { accountId: sub, claims: () => claimsOf(account) };
  },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf,
      getResourceServerInfo: () => resourceServer,
    },
  },
  pkce: { required: () => true }, // S256 only in oidc-provider 9
  rotateRefreshToken: true,
  issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: 600, ClientCredentials: 600, AuthorizationCode: 60, IdToken: 300,
    RefreshToken: 14 * 24 * 3600, Grant: 30 * 24 * 3600, Session: 12 * 3600, Interaction: 600,
  },
  enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256', 'PS256'] },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

// --- the interaction pages: password, TOTP, consent -------------------------------------------
const page = (title, body) => `<!doctype html><html><head><title>${title}</title></head>`
  + `<body><h1>${title}</h1>${body}</body></html>`;
const loginForm = (uid, error = '') => page('Sign in', `${error}
<form method="post" action="/interaction/${uid}/login">
<input name="login" autocomplete="username"><input name="password" type="password">
<button>Sign in</button></form>`);
const totpForm = (uid) => page('Second factor', `<form method="post" action="/interaction/${uid}/totp">
<input name="code" autocomplete="one-time-code"><button>Continue</button></form>`);
const consentForm = (uid) => page('Allow?', `<form method="post" action="/interaction/${uid}/confirm">
<button name="decision" value="approve">Allow</button></form>`);

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function form(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65536) throw new Error('body too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function requestedScopes(params) {
  return new Set((params.scope || '').split(' ').filter(Boolean));
}

// A remembered consent becomes the grant of this sign-in, as our consents table does.
async function rememberedGrant(login, params) {
  const scopes = requestedScopes(params);
  const remembered = consents.get(`${login} ${params.client_id}`);
  if (!remembered || ![...scopes].every((s) => remembered.has(s))) return undefined;
  const grant = new provider.Grant({ accountId: login, clientId: params.client_id });
  grant.addOIDCScope([...scopes].filter((s) => s !== 'api').join(' '));
  if (params.resource) grant.addResourceScope(params.resource, 'api');
  return grant.save();
}

async function finishLogin(req, res, params, login, level2) {
  const result = {
    login: {
      accountId: login, acr: level2 ? '2' : '1', amr: level2 ? ['pwd', 'otp', 'mfa'] : ['pwd'],
    },
  };
  const grantId = await rememberedGrant(login, params);
  if (grantId) result.consent = { grantId };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

function totpOk(account, code) {
  const result = verifySync({
    secret: account.totp_secret, token: code.replace(/\s/g, ''), epochTolerance: STEP,
    afterTimeStep: totpUsed.get(account.login) ?? 0,
  });
  if (!result.valid) return false;
  totpUsed.set(account.login, result.timeStep);
  return true;
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'consent') return send(res, 200, consentForm(uid));
    const stepUp = pending.has(uid) || (session?.accountId && prompt.reasons.includes('step_up'));
    return send(res, 200, stepUp ? totpForm(uid) : loginForm(uid));
  }
  if (req.method !== 'POST') return send(res, 405, page('Not allowed', ''));
  const data = await form(req);
  if (action === 'login') {
    const account = accounts.get((data.login || '').trim().toLowerCase());
    const ok = await verify(account ? account.hash : dummyHash, (data.password || '').normalize('NFC'));
    if (!ok || !account) return send(res, 401, loginForm(uid, '<p>Wrong sign-in.</p>'));
    if (account.totp_secret && wantsLevel2({ oidc: { params } })) {
      pending.set(uid, account.login);
      res.writeHead(303, { location: `/interaction/${uid}` });
      return res.end();
    }
    return finishLogin(req, res, params, account.login, false);
  }
  if (action === 'totp') {
    const login = pending.get(uid) ?? session?.accountId;
    const account = accounts.get(login);
    if (!account || !totpOk(account, data.code || '')) return send(res, 401, totpForm(uid));
    pending.delete(uid);
    return finishLogin(req, res, params, login, true);
  }
  if (action === 'confirm' && data.decision === 'approve') {
    const key = `${session.accountId} ${params.client_id}`;
    consents.set(key, new Set([...(consents.get(key) || []), ...requestedScopes(params)]));
    const grantId = await rememberedGrant(session.accountId, params);
    return provider.interactionFinished(req, res, { consent: { grantId } },
      { mergeWithLastSubmission: true });
  }
  return provider.interactionFinished(req, res, { error: 'access_denied' });
}

const callback = provider.callback();
const INTERACTION = /^\/interaction\/([\w-]+)(?:\/(login|totp|confirm))?$/;
const server = http.createServer((req, res) => {
  const match = INTERACTION.exec(req.url.split('?')[0]);
  if (!match) return callback(req, res);
  return interaction(req, res, match[1], match[2]).catch((err) => {
    console.error('interaction error', err);
    if (!res.headersSent) send(res, 400, page('Error', ''));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(config.port, '127.0.0.1', () => console.log('ready'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
