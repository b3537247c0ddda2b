// The sample notes app. It signs in through the Blockstack sign-in page,
// keeps each note encrypted with the app key in the user's own Gaia bucket
// (@stacks/storage), and publishes chosen notes signed but unencrypted, with
// a signed index, so that anyone can read them by the author's name through
// the lookup path (name → zone file → profile → this app's bucket). It
// talks only to the node's API and to Gaia.
import { decodeToken } from 'jsontokens';
import { AppConfig, UserSession } from '@stacks/auth';
import { publicKeyToBtcAddress, signECDSA, verifyECDSA } from '@stacks/encryption';
import { Storage, uploadToGaiaHub } from '@stacks/storage';
import { getJSON, plainFetches, lookupProfile, nameRecord } from '../shared/bns.js';
import { keyOwns } from '../shared/owner.js';
import { $, busy, fail } from '../shared/ui.js';

const USED_JTI_KEY = 'notes:used-auth-responses';
const PUBLIC_INDEX = 'public/index.json';

let cfg;     // {authenticatorUrl, apiUrl, addressVersion} from the server
let session; // the @stacks/auth session: app key and hub URL once signed in
let storage;

function signIn() {
  const token = session.makeAuthRequestToken();
  location.assign(`${cfg.authenticatorUrl}?authRequest=${token}`);
}

function signOut() {
  session.signUserOut();
  location.assign('/');
}

// acceptResponse checks what @stacks/auth does not (auth.md): each
// response is accepted once, and its username is owned by its signer.
// handlePendingSignIn then verifies the signature and decrypts the key.
async function acceptResponse(token) {
  const payload = decodeToken(token).payload;
  const used = JSON.parse(localStorage.getItem(USED_JTI_KEY) || '[]');
  if (used.includes(payload.jti)) {
    throw new Error('This sign-in response was already used; sign in again.');
  }
  localStorage.setItem(USED_JTI_KEY, JSON.stringify([...used, payload.jti]));
  if (payload.username) {
    const rec = await nameRecord(cfg.apiUrl, payload.username, cfg.trust);
    if (!keyOwns(payload.public_keys[0], rec.address, cfg.addressVersion)) {
      throw new Error(`${payload.username} is not owned by the identity that signed in`);
    }
  }
  await session.handlePendingSignIn(token);
}

function noteItem(note, actions) {
  const li = document.createElement('li');
  li.dataset.path = note.path;
  const text = document.createElement('p');
  text.className = 'note-text';
  text.textContent = note.text;
  const meta = document.createElement('small');
  meta.className = 'muted';
  meta.textContent = new Date(note.created).toLocaleString();
  li.append(text, meta);
  for (const a of actions) {
    li.append(' ', a);
  }
  return li;
}

function button(label, className, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.className = className;
  b.onclick = busy(b, action);
  return b;
}

function badge(text) {
  const span = document.createElement('span');
  span.className = 'badge';
  span.textContent = text;
  return span;
}

// publicIndex is the list of published note ids, read back (and its
// signature checked) only when the listing says it exists.
async function publicIndex(files) {
  if (!files.includes(PUBLIC_INDEX)) return [];
  return JSON.parse(await storage.getFile(PUBLIC_INDEX, { decrypt: false, verify: true }));
}

// putSigned writes text unencrypted at path and the app key's signature
// of it at path.sig, as putFile(path, text, {encrypt: false, sign: true})
// does, but can replace both: @stacks/storage 7.4 always writes the .sig
// with If-None-Match: *, so its putFile cannot sign the same path twice.
async function putSigned(path, text) {
  const hub = await storage.getOrSetLocalGaiaHubConnection();
  const sig = signECDSA(session.loadUserData().appPrivateKey, text);
  await uploadToGaiaHub(path, text, hub, 'application/json', false, undefined, true);
  await uploadToGaiaHub(`${path}.sig`, JSON.stringify(sig), hub, 'application/json', false, undefined, true);
}

async function writePublicIndex(ids) {
  await putSigned(PUBLIC_INDEX, JSON.stringify(ids));
}

async function listNotes() {
  const files = [];
  await storage.listFiles(name => {
    files.push(name);
    return true; // go on listing
  });
  const published = await publicIndex(files);
  const notes = await Promise.all(files.filter(f => /^notes\/[\w-]+\.json$/.test(f)).map(async path => {
    const note = JSON.parse(await storage.getFile(path));
    return { ...note, path };
  }));
  notes.sort((a, b) => b.created - a.created);
  $('note-list').replaceChildren(...notes.map(note => {
    const isPublic = published.includes(note.id);
    const actions = [isPublic ? badge('public') : button('Publish', 'secondary', () => publish(note, published))];
    actions.push(button('Delete', 'danger', () => remove(note, published)));
    return noteItem(note, actions);
  }));
  $('notes-empty').hidden = notes.length > 0;
}

async function save() {
  const text = $('note-text').value.trim();
  if (!text) return;
  const id = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  await storage.putFile(`notes/${id}.json`, JSON.stringify({ id, text, created: Date.now() }), { encrypt: true });
  $('note-text').value = '';
  await listNotes();
}

// publish writes the note unencrypted and signed (the app key signs a
// .sig file next to it), then lists it in the signed public index.
async function publish(note, published) {
  const { id, text, created } = note;
  await putSigned(`public/${id}.json`, JSON.stringify({ id, text, created }));
  await writePublicIndex([...published, id]);
  await listNotes();
}

async function remove(note, published) {
  if (published.includes(note.id)) {
    await writePublicIndex(published.filter(id => id !== note.id));
    await storage.deleteFile(`public/${note.id}.json`, { wasSigned: true });
  }
  await storage.deleteFile(note.path);
  await listNotes();
}

// readSigned reads path from another user's bucket and checks that the
// bucket's own key signed it (the .sig file @stacks/storage writes).
async function readSigned(bucketUrl, path) {
  const [body, sig] = await Promise.all([path, `${path}.sig`].map(async p => {
    const res = await fetch(bucketUrl + p);
    if (!res.ok) throw new Error(`${bucketUrl}${p}: ${res.status}`);
    return res.text();
  }));
  const { publicKey, signature } = JSON.parse(sig);
  const bucketAddress = new URL(bucketUrl).pathname.split('/').filter(Boolean).pop();
  if (publicKeyToBtcAddress(publicKey) !== bucketAddress || !verifyECDSA(body, publicKey, signature)) {
    throw new Error(`${path} is not signed by the owner of ${bucketUrl}`);
  }
  return body;
}

async function readPublic() {
  const name = $('reader-name').value.trim().toLowerCase();
  $('public-list').replaceChildren();
  $('reader-status').hidden = false;
  $('reader-status').textContent = `Looking up ${name}…`;
  $('reader-proof').hidden = true;
  const { profile, verified } = await lookupProfile(cfg.apiUrl, name, cfg.addressVersion, cfg.trust);
  $('reader-proof').textContent = verified
    ? `${name}'s record: ${verified}.`
    : `${name}'s record is the node's word: this page has no trust setting to prove it against.`;
  $('reader-proof').hidden = false;
  const bucketUrl = profile.apps?.[location.origin];
  if (!bucketUrl) {
    $('reader-status').textContent = `${name} has not used this app.`;
    return;
  }
  const ids = JSON.parse(await readSigned(bucketUrl, PUBLIC_INDEX));
  const notes = await Promise.all(ids.map(async id => JSON.parse(await readSigned(bucketUrl, `public/${id}.json`))));
  $('reader-status').textContent = notes.length ? `${name}'s public notes (signatures verified):` : `${name} has published no notes.`;
  $('public-list').replaceChildren(...notes.map(n => noteItem({ ...n, path: `public/${n.id}.json` }, [badge('verified')])));
}

async function main() {
  plainFetches();
  cfg = await getJSON('config.json');
  const appConfig = new AppConfig(['store_write', 'publish_data'], location.origin, '/', '/manifest.json', cfg.apiUrl);
  session = new UserSession({ appConfig });
  storage = new Storage({ userSession: session });
  $('sign-in').onclick = signIn;
  $('sign-out').onclick = signOut;
  $('note-form').onsubmit = busy($('save'), save);
  $('reader-form').onsubmit = busy($('read'), readPublic);

  const response = new URLSearchParams(location.search).get('authResponse');
  if (response) {
    history.replaceState(null, '', '/');
    if (!session.isUserSignedIn()) {
      await acceptResponse(response);
    }
  }
  if (!session.isUserSignedIn()) {
    $('signed-out').hidden = false;
    return;
  }
  const user = session.loadUserData();
  $('username').textContent = decodeToken(user.authResponseToken).payload.username || user.identityAddress;
  $('bucket').textContent = await storage.getAppBucketUrl(user.hubUrl, user.appPrivateKey);
  await listNotes();
  for (const id of ['account', 'editor', 'notes']) {
    $(id).hidden = false;
  }
}

main().catch(fail);
