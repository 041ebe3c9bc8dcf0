// The code flow with panva's openid-client (OpenID Certified), against a running IdP.
//
// Run by tests/e2e/test_openid_client.py. Reads E2E_ISSUER, E2E_CLIENT_ID, E2E_CLIENT_SECRET,
// E2E_REDIRECT_URI, E2E_POST_LOGOUT_REDIRECT_URI, E2E_LOGIN and E2E_PASSWORD; plays the browser
// with fetch (own cookie jar, no automatic redirects) and stops at the redirect URI, where
// openid-client takes over. Prints one JSON summary on stdout; exits 1 with the error otherwise.
import * as client from "openid-client";

function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const issuer = setting("E2E_ISSUER");
const clientId = setting("E2E_CLIENT_ID");
const clientSecret = setting("E2E_CLIENT_SECRET");
const redirectUri = setting("E2E_REDIRECT_URI");
const postLogoutRedirectUri = setting("E2E_POST_LOGOUT_REDIRECT_URI");
const login = setting("E2E_LOGIN");
const password = setting("E2E_PASSWORD");
const scope = "openid profile email";

// --- the browser: cookies for the IdP's origin only, every redirect looked at ---------------
const jar = new Map();
const idpOrigin = new URL(issuer).origin;

async function visit(url, init = {}) {
  const target = new URL(url);
  if (target.origin !== idpOrigin) throw new Error(`the browser was sent to ${target}`);
  const headers = new Headers(init.headers);
  if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
  const signal = AbortSignal.timeout(10_000);
  const response = await fetch(target, { ...init, headers, redirect: "manual", signal });
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(";");
    const name = pair.slice(0, pair.indexOf("=")).trim();
    const value = pair.slice(pair.indexOf("=") + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
    if (expired || !value) jar.delete(name);
    else jar.set(name, value);
  }
  return { response, url: target };
}

function field(html, name) {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!match) throw new Error(`no ${name} field in the page`);
  return match[1];
}

// Follows the IdP's pages like a person (sign in, allow) until it redirects elsewhere.
async function browse(startUrl) {
  let { response, url } = await visit(startUrl);
  const pages = [];
  for (let step = 0; step < 12; step += 1) {
    const location = response.headers.get("location");
    if (location) {
      const next = new URL(location, url);
      if (next.origin !== idpOrigin) return { location: next, pages, status: response.status };
      ({ response, url } = await visit(next));
      continue;
    }
    const html = await response.text();
    if (html.includes('action="/login"')) {
      pages.push("login");
      const form = new URLSearchParams({
        csrf_token: field(html, "csrf_token"), flow: field(html, "flow"), login, password,
      });
      ({ response, url } = await visit(new URL("/login", url), { method: "POST", body: form }));
    } else if (html.includes('name="decision"')) {
      pages.push("consent");
      const form = new URLSearchParams({ csrf_token: field(html, "csrf_token"), decision: "approve" });
      ({ response, url } = await visit(url, { method: "POST", body: form }));
    } else {
      return { location: null, pages, status: response.status, url: url.href };
    }
  }
  throw new Error("too many steps at the IdP");
}

// What a relying party sees of a refused call: the OAuth error, or the HTTP status.
async function refusal(call) {
  try {
    await call();
    return { refused: false };
  } catch (error) {
    const challenge = error.cause?.[0]?.parameters; // WWW-Authenticate, for userinfo
    const oauthError = error.error ?? challenge?.error ?? null;
    return { refused: true, error: oauthError, status: error.status ?? null, code: error.code };
  }
}

// --- the relying party: nothing below is custom protocol code --------------------------------
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
  execute: [client.allowInsecureRequests], // http, on loopback only
  timeout: 10,
});

async function authorizationRequest() {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope, nonce, state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  return { url, verifier, nonce, state };
}

async function authorize() {
  const { url, verifier, nonce, state } = await authorizationRequest();
  const visited = await browse(url);
  if (!visited.location?.href.startsWith(redirectUri)) {
    throw new Error(`no redirect to the client: ${JSON.stringify(visited)}`);
  }
  // Checks state and iss (RFC 9207), redeems the code with PKCE, validates the ID token.
  const tokens = await client.authorizationCodeGrant(config, visited.location, {
    pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true,
  });
  return { tokens, nonce, pages: visited.pages };
}

// 1. Sign in; userinfo; refresh rotation; reuse of a used refresh token.
const first = await authorize();
const claims = first.tokens.claims();
const userinfo = await client.fetchUserInfo(config, first.tokens.access_token, claims.sub);
const refreshed = await client.refreshTokenGrant(config, first.tokens.refresh_token);
const refreshedClaims = refreshed.claims() ?? null;
const reuse = await refusal(() => client.refreshTokenGrant(config, first.tokens.refresh_token));
const familyAfterReuse = await refusal(() => client.refreshTokenGrant(config, refreshed.refresh_token));

// 2. Sign in again (single sign-on: no page); introspection, revocation.
const second = await authorize();
const introspected = await client.tokenIntrospection(config, second.tokens.access_token);
await client.tokenRevocation(config, second.tokens.access_token, { token_type_hint: "access_token" });
const revokedIntrospection = await client.tokenIntrospection(config, second.tokens.access_token);
const userinfoAfterRevocation = await refusal(() =>
  client.fetchUserInfo(config, second.tokens.access_token, claims.sub));

// 3. RP-initiated logout, then the next authorization request meets the sign-in page again.
const logoutState = client.randomState();
const endSession = client.buildEndSessionUrl(config, {
  id_token_hint: second.tokens.id_token, post_logout_redirect_uri: postLogoutRedirectUri,
  state: logoutState,
});
const loggedOut = await visit(endSession);
const afterLogout = await browse((await authorizationRequest()).url);

console.log(JSON.stringify({
  first: {
    pages: first.pages,
    nonce: first.nonce,
    token_type: first.tokens.token_type,
    scope: first.tokens.scope ?? null,
    id_token: claims,
    has_refresh_token: typeof first.tokens.refresh_token === "string",
  },
  userinfo,
  refresh: {
    rotated: refreshed.refresh_token !== first.tokens.refresh_token,
    new_access_token: refreshed.access_token !== first.tokens.access_token,
    id_token: refreshedClaims,
    reuse,
    family_after_reuse: familyAfterReuse,
  },
  second: { pages: second.pages, sub: second.tokens.claims().sub },
  introspection: introspected,
  after_revocation: { introspection: revokedIntrospection, userinfo: userinfoAfterRevocation },
  logout: {
    sent_state: logoutState,
    status: loggedOut.response.status,
    location: loggedOut.response.headers.get("location"),
    next_authorization_pages: afterLogout.pages,
  },
}));
