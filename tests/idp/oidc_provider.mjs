// A real OpenID Connect provider for the single sign-on tests: panva's certified
// oidc-provider, on a loopback port, with a login page of its own (tests/idp/README.md).
//
//   node tests/idp/oidc_provider.mjs CONFIG.json
//
// CONFIG: {"port", "issuer", "users_file", "client": {"client_id", "client_secret",
// "redirect_uris"}}. USERS_FILE, read again at every sign-in so that a test may change
// what the provider asserts: {"<login>": {"password", "claims": {...}, "amr": [...],
// "acr": "..."}}. The login page's "Annuler" ends the interaction with access_denied,
// as a person cancelling would.
import fs from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const users = () => JSON.parse(fs.readFileSync(config.users_file, "utf8"));

const provider = new Provider(config.issuer, {
  clients: [
    {
      ...config.client,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  async findAccount(ctx, sub) {
    const user = users()[sub];
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
  },
  // The institution's own claims ride with the standard "profile" scope; how the person
  // authenticated (acr, amr) is in every ID token, as most providers send it.
  claims: {
    sid: null,
    iss: null,
    openid: ["sub", "acr", "amr", "auth_time"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "department", "campus", "title"],
  },
  acrValues: ["https://refeds.org/profile/mfa", "https://refeds.org/profile/sfa"],
  cookies: { keys: ["cdp-portal-test-idp-cookie-key"] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => false },
});
provider.on("server_error", (ctx, error) => console.error("server_error", error));

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, error) {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion — IdP de test</title></head>
<body><main><h1>Connexion à l'établissement (OpenID Connect)</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${uid}/login">
<p><label for="username">Identifiant</label> <input id="username" name="username" autocomplete="username"></p>
<p><label for="password">Mot de passe</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Se connecter</button></p>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Annuler</button></form>
</main></body></html>`);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(new URLSearchParams(data)));
    req.on("error", reject);
  });
}

async function grantConsent(req, res, details) {
  // The institution's provider asks no consent for its own portal: granted at once.
  const missing = details.prompt.details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(" "));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === "GET") {
    if (details.prompt.name === "consent") return grantConsent(req, res, details);
    return loginPage(res, uid, "");
  }
  const form = await readBody(req);
  if (action === "abort") {
    const result = { error: "access_denied", error_description: "End-User aborted interaction" };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  const login = form.get("username") || "";
  const user = users()[login];
  if (!user || user.password !== form.get("password")) {
    return loginPage(res, uid, "Identifiant ou mot de passe incorrect.");
  }
  const result = { login: { accountId: login, amr: user.amr || ["pwd"], ...(user.acr ? { acr: user.acr } : {}) } };
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = new URL(req.url, config.issuer).pathname.match(/^\/interaction\/([^/]+)(?:\/(login|abort))?$/);
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((error) => {
    console.error(error);
    res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(`interaction failed: ${error.message}`);
  });
});
server.listen(config.port, "127.0.0.1", () => console.log(`oidc-provider listening on ${config.issuer}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
