// The sign-in page (an authenticator, auth.md): it keeps the user's
// identity in this browser only (the recovery phrase encrypted with a
// password in localStorage, the keys in memory while unlocked), verifies
// an app's auth request, and answers it with an auth response that carries
// the app's private key encrypted to the app's transit key.
import { decodeToken, TokenSigner } from 'jsontokens';
import { verifyAuthRequest, fetchAppManifest } from '@stacks/auth';
import { bytesToHex, makeUUID4, utf8ToBytes } from '@stacks/common';
import { decryptMnemonic, encryptECIES, getPublicKeyFromPrivate, publicKeyToBtcAddress } from '@stacks/encryption';
import { signProfileToken, wrapProfileToken, verifyProfileToken } from '@stacks/profile';
import { connectToGaiaHub, uploadToGaiaHub } from '@stacks/storage';
import { generateSecretKey, generateWallet, getAppPrivateKey } from '@stacks/wallet-sdk';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import { getJSON, plainFetches, nameRecord, profileURLFromZonefile } from '../shared/bns.js';
import { addressesOf, keyOwns } from '../shared/owner.js';
import { $, busy, fail } from '../shared/ui.js';

const STORE_KEY = 'blockstack-auth:keychain';

const SCOPES = {
  store_write: 'store and change its own files in your Gaia storage',
  publish_data: 'publish files that others can read (the app is listed in your profile)',
  email: 'see your email address (this page shares none)',
};

let cfg;        // {hubUrl, addressVersion, trust} from the server
let account;    // the unlocked identity: wallet-sdk account 0 (m/888'/0'/0')
let request;    // the verified auth request: {token, payload, manifest}

// show shows the sections ids and hides the other steps (not the error).
function show(...ids) {
  for (const s of document.querySelectorAll('main > section:not(#error)')) {
    s.hidden = !ids.includes(s.id);
  }
}

function ownerAddress(acct) {
  return publicKeyToBtcAddress(getPublicKeyFromPrivate(acct.dataPrivateKey), cfg.addressVersion);
}

// unlockWith derives the identity from the phrase; generateWallet also
// re-encrypts the phrase with the password, which is what is stored.
async function unlockWith(mnemonic, password) {
  const wallet = await generateWallet({ secretKey: mnemonic, password });
  account = wallet.accounts[0];
  localStorage.setItem(STORE_KEY, JSON.stringify({
    encryptedMnemonic: wallet.encryptedSecretKey,
    ownerAddress: ownerAddress(account),
  }));
  await showIdentity();
}

async function create() {
  const password = $('create-password').value;
  if (password !== $('create-password2').value) {
    throw new Error('The two passwords differ.');
  }
  const mnemonic = generateSecretKey(256);
  $('backup-words').replaceChildren(...mnemonic.split(' ').map((w, i) => {
    const li = document.createElement('li');
    li.textContent = `${i + 1}. ${w}`; // numbered: the grid fills row by row
    return li;
  }));
  show('backup');
  $('backup-done').onclick = busy($('backup-done'), async () => {
    $('backup-words').replaceChildren();
    await unlockWith(mnemonic, password);
  });
}

async function restore() {
  const mnemonic = $('restore-mnemonic').value.trim().toLowerCase().split(/\s+/).join(' ');
  if (!validateMnemonic(mnemonic, wordlist)) {
    throw new Error('That is not a valid recovery phrase.');
  }
  await unlockWith(mnemonic, $('restore-password').value);
}

async function unlock() {
  const password = $('unlock-password').value;
  const stored = JSON.parse(localStorage.getItem(STORE_KEY));
  let mnemonic;
  try {
    mnemonic = await decryptMnemonic(stored.encryptedMnemonic, password);
  } catch {
    throw new Error('Wrong password.');
  }
  $('unlock-password').value = '';
  await unlockWith(mnemonic, password);
}

function lock() {
  account = undefined;
  start().catch(fail);
}

function forget() {
  if (confirm('Forget this identity? Only its recovery phrase can bring it back.')) {
    localStorage.removeItem(STORE_KEY);
    start().catch(fail);
  }
}

// showIdentity lists the names the identity's key owns. With
// a trust setting each is proved to be owned by it (nameRecord), and one
// that is not is listed but cannot be chosen; the node could still leave a
// name out of the list, which the user would see.
async function showIdentity() {
  const owner = ownerAddress(account);
  $('owner-address').textContent = owner;
  // The key's names: those of its compressed address (this page's) and of
  // its uncompressed one (early wallets').
  const key = getPublicKeyFromPrivate(account.dataPrivateKey);
  const lists = await Promise.all(addressesOf(key, cfg.addressVersion).map(a => getJSON(`/v1/addresses/bitcoin/${a}`)));
  const names = [...new Set(lists.flatMap(l => l.names))];
  const checks = await Promise.all(names.map(async name => {
    if (!cfg.trust) return { name };
    try {
      const rec = await nameRecord(location.origin, name, cfg.trust);
      return keyOwns(key, rec.address, cfg.addressVersion) ? { name, verified: rec.verified } : { name, refused: `proved to be owned by ${rec.address}` };
    } catch (e) {
      return { name, refused: e.message };
    }
  }));
  const choices = [...checks, { name: '' }].map(({ name, refused }) => {
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'username';
    radio.value = name;
    radio.disabled = !!refused;
    label.append(radio, ' ', name || 'No name (sign in with the address only)');
    if (refused) label.append(` (not proved: ${refused})`);
    return label;
  });
  choices.find(l => !l.firstChild.disabled).firstChild.checked = true;
  $('name-list').replaceChildren(...choices);
  const proved = checks.find(c => c.verified);
  $('names-proof').textContent = !cfg.trust
    ? 'These names are the node\'s word: this page has no trust setting to prove them against.'
    : proved ? `Each name's record was ${proved.verified.replace(/ \(\d+ bytes of proof\)$/, '')}.` : '';
  show('identity', request ? 'request' : 'no-request');
}

function chosenName() {
  return document.querySelector('input[name=username]:checked')?.value || null;
}

// readRequest verifies the ?authRequest= token (auth.md) and fetches the
// app's manifest; it returns null when no app is asking.
async function readRequest() {
  const token = new URLSearchParams(location.search).get('authRequest');
  if (!token) return null;
  if (!(await verifyAuthRequest(token))) {
    throw new Error('The app\'s sign-in request is invalid (expired, badly signed, or its addresses are not on its own origin).');
  }
  const payload = decodeToken(token).payload;
  const manifest = await fetchAppManifest(token);
  const origin = new URL(payload.domain_name).origin;
  $('app-name').textContent = manifest.name || manifest.short_name || origin;
  $('app-origin').textContent = origin;
  $('app-redirect').textContent = payload.redirect_uri;
  const icon = manifest.icons?.[0]?.src;
  if (icon) {
    $('app-icon').src = new URL(icon, payload.manifest_uri).href;
    $('app-icon').hidden = false;
  }
  $('app-scopes').replaceChildren(...(payload.scopes || []).map(s => {
    const li = document.createElement('li');
    li.textContent = SCOPES[s] || `“${s}” (unknown to this page; ignored)`;
    return li;
  }));
  return { token, payload, manifest };
}

// listFiles lists a bucket; reading a missing file instead would show up
// as a failed request in the browser.
async function listFiles(hub) {
  const names = [];
  let page = null;
  do {
    const res = await fetch(`${hub.server}/list-files/${hub.address}`, {
      method: 'POST',
      headers: { Authorization: `bearer ${hub.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ page }),
    });
    if (!res.ok) throw new Error(`list-files: ${res.status}`);
    const body = await res.json();
    names.push(...body.entries.filter(e => e !== null));
    page = body.page;
  } while (page);
  return names;
}

// ownProfile is the identity's profile in its bucket, if it is there and
// signed by the identity key; otherwise a new, empty one.
async function ownProfile(hub, identityKey) {
  const empty = { '@type': 'Person', '@context': 'http://schema.org' };
  if (!(await listFiles(hub)).includes('profile.json')) return empty;
  const records = await getJSON(`${hub.url_prefix}${hub.address}/profile.json`);
  try {
    return verifyProfileToken(records[0].token, identityKey).payload.claim;
  } catch {
    return empty;
  }
}

// approve answers the request: it lists the app's bucket in the profile
// (for publish_data, so that others can find the app's public files), then
// redirects to the app with the signed auth response.
async function approve() {
  const { payload } = request;
  const appDomain = new URL(payload.domain_name).origin;
  const username = chosenName();
  const identityKey = getPublicKeyFromPrivate(account.dataPrivateKey);
  const appPrivateKey = getAppPrivateKey({ account, appDomain });
  const hub = await connectToGaiaHub(cfg.hubUrl, account.dataPrivateKey);

  let profileUrl = `${hub.url_prefix}${hub.address}/profile.json`;
  if (username) {
    const rec = await nameRecord(location.origin, username, cfg.trust);
    if (!keyOwns(identityKey, rec.address, cfg.addressVersion)) {
      throw new Error(`${username} is owned by ${rec.address}, not by this identity.`);
    }
    profileUrl = profileURLFromZonefile(rec.zonefile) || profileUrl;
  }
  const profile = await ownProfile(hub, identityKey);
  if ((payload.scopes || []).includes('publish_data')) {
    const appKey = getPublicKeyFromPrivate(appPrivateKey);
    const storage = `${hub.url_prefix}${publicKeyToBtcAddress(appKey)}/`;
    profile.apps = { ...profile.apps, [appDomain]: storage };
    profile.appsMeta = { ...profile.appsMeta, [appDomain]: { storage, publicKey: appKey } };
  }
  const token = signProfileToken(profile, account.dataPrivateKey, { publicKey: identityKey });
  await uploadToGaiaHub('profile.json', JSON.stringify([wrapProfileToken(token)], null, 2), hub,
    'application/json', undefined, undefined, true);

  const response = await makeAuthResponse({ appPrivateKey, transitPublicKey: payload.public_keys[0], username, profileUrl });
  const back = new URL(payload.redirect_uri);
  back.searchParams.set('authResponse', response);
  location.assign(back.href);
}

// makeAuthResponse signs the response with the identity key (auth.md).
// @stacks/auth's own makeAuthResponse has no username any more, which BNS
// sign-in needs, so the token is made here, field by field.
async function makeAuthResponse({ appPrivateKey, transitPublicKey, username, profileUrl }) {
  const publicKey = getPublicKeyFromPrivate(account.dataPrivateKey);
  const cipher = await encryptECIES(transitPublicKey, utf8ToBytes(appPrivateKey), true);
  const now = Math.floor(Date.now() / 1000);
  return new TokenSigner('ES256K', account.dataPrivateKey).sign({
    jti: makeUUID4(),
    iat: now,
    exp: now + 30 * 24 * 3600,
    iss: `did:btc-addr:${publicKeyToBtcAddress(publicKey)}`,
    public_keys: [publicKey],
    private_key: bytesToHex(utf8ToBytes(JSON.stringify(cipher))),
    profile: null,
    username,
    core_token: null,
    email: null,
    profile_url: profileUrl,
    hubUrl: cfg.hubUrl,
    blockstackAPIUrl: location.origin,
    associationToken: null,
    version: '1.4.0',
    appPrivateKeyFromWalletSalt: null,
  });
}

function deny() {
  location.assign(new URL(request.payload.domain_name).origin);
}

// start shows the step the stored state calls for.
async function start() {
  request = await readRequest();
  if (account) {
    await showIdentity();
    return;
  }
  const stored = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
  if (stored) {
    $('unlock-address').textContent = stored.ownerAddress;
    show('unlock');
  } else {
    show('setup');
  }
}

async function main() {
  plainFetches();
  cfg = await getJSON('config.json');
  $('create-form').onsubmit = busy($('create'), create);
  $('restore-form').onsubmit = busy($('restore'), restore);
  $('unlock-form').onsubmit = busy($('unlock-submit'), unlock);
  $('forget').onclick = forget;
  $('lock').onclick = lock;
  $('approve').onclick = busy($('approve'), approve);
  $('deny').onclick = deny;
  await start();
}

main().catch(fail);
