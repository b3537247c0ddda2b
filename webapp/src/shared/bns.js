// The lookup path from a BNS name to what its owner published: the name's
// record on the node, its zone file's first _http._tcp URI record (the
// profile's URL), and the profile token, which the name's owner key must
// have signed (atlas-gaia.md B.10). @stacks/profile checks a token against
// a Stacks address; BNS v1 names are owned by Bitcoin addresses, so the
// owner check is done here and only the signature is left to the library.
import { setFetchOptions } from '@stacks/common';
import { decodeToken } from 'jsontokens';
import { publicKeyToBtcAddress } from '@stacks/encryption';
import { verifyProfileToken } from '@stacks/profile';

// plainFetches stops @stacks/* from adding its x-hiro-product header to
// every request: the header makes even a GET of a manifest or a Gaia file
// a preflighted cross-origin request, which hubs and apps refuse
// (stacks.js#1595), and nothing here needs it.
export function plainFetches() {
  setFetchOptions({ headers: {} });
}

// getJSON fetches url and fails with the server's own message.
export async function getJSON(url) {
  const res = await fetch(url);
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    throw new Error(`${url}: ${body?.error || res.status}`);
  }
  return body;
}

// profileURLFromZonefile returns the target of the zone file's first
// _http._tcp URI record, with https:// added when it names no scheme.
export function profileURLFromZonefile(zonefile) {
  const m = /^_http\._tcp\s+(?:\d+\s+)?(?:IN\s+)?URI\s+\d+\s+\d+\s+"([^"]+)"/m.exec(zonefile || '');
  if (!m) return null;
  return /^https?:\/\//.test(m[1]) ? m[1] : `https://${m[1]}`;
}

// nameRecord is the node's record of a registered name.
export async function nameRecord(apiUrl, name) {
  const rec = await getJSON(`${apiUrl}/v1/names/${encodeURIComponent(name)}`);
  if (rec.status !== 'registered') {
    throw new Error(`${name} is ${rec.status}`);
  }
  return rec;
}

// lookupProfile follows name → zone file → profile and returns the
// profile (a schema.org Person) once its signer is the name's owner.
export async function lookupProfile(apiUrl, name, addressVersion) {
  const rec = await nameRecord(apiUrl, name);
  const url = profileURLFromZonefile(rec.zonefile);
  if (!url) {
    throw new Error(`${name}'s zone file names no profile`);
  }
  const records = await getJSON(url);
  const token = records?.[0]?.token;
  if (!token) {
    throw new Error(`${url} holds no profile token`);
  }
  const issuerKey = decodeToken(token).payload?.issuer?.publicKey;
  if (!issuerKey || publicKeyToBtcAddress(issuerKey, addressVersion) !== rec.address) {
    throw new Error(`${name}'s profile is not signed by the name's owner ${rec.address}`);
  }
  return verifyProfileToken(token, issuerKey).payload.claim;
}
