// The lookup path from a BNS name to what its owner published: the name's
// record on the node, its zone file's first _http._tcp URI record (the
// profile's URL), and the profile token, which the name's owner key must
// have signed (atlas-gaia.md B.10). With a trust setting (the page's
// config.json "trust", docs/trustless.md) the record is proved against a
// consensus hash the node did not choose, and its zone file against the
// proved hash, so that no step takes the node's word. @stacks/profile checks a token against
// a Stacks address; BNS v1 names are owned by Bitcoin addresses, so the
// owner check is done here (keyOwns) and only the signature is left to the
// library.
import { setFetchOptions } from '@stacks/common';
import { decodeToken } from 'jsontokens';
import { verifyProfileToken } from '@stacks/profile';
import { verifyRecord, nameStatus, parseAnchor, zonefileHash } from './snv.js';
import { keyOwns } from './owner.js';

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

// ANCHOR_DEPTH is how far below the lowest tip of the trusted nodes the
// anchor is taken, as the CLI's --trust-nodes does: nodes a block or two
// apart do not look like disagreement.
const ANCHOR_DEPTH = 3;

const anchors = new Map(); // one anchor per trust setting and page load

// trustAnchor is the consensus hash trust says to believe:
// {height, consensusHash, source}. With nodes, all must give the same hash
// at one height; any disagreement trusts none.
export function trustAnchor(trust) {
  const key = JSON.stringify(trust);
  if (!anchors.has(key)) {
    const p = resolveAnchor(trust);
    p.catch(() => anchors.delete(key)); // a failure is not kept
    anchors.set(key, p);
  }
  return anchors.get(key);
}

async function resolveAnchor(trust) {
  if (trust.anchor) {
    return { ...parseAnchor(trust.anchor), source: 'the consensus hash this page was given' };
  }
  const nodes = trust.nodes || [];
  if (!nodes.length) throw new Error('the page\'s trust setting names neither an anchor nor nodes');
  const infos = await Promise.all(nodes.map(u => getJSON(`${u}/v1/info`)));
  const height = Math.max(Math.min(...infos.map(i => i.last_block_processed)) - ANCHOR_DEPTH, trust.firstBlock);
  const blocks = await Promise.all(nodes.map(u => getJSON(`${u}/v1/blockchains/bitcoin/blocks/${height}?operations=0`)));
  const says = blocks.map((b, i) => `${nodes[i]}: ${b.consensus_hash}`);
  if (blocks.some(b => b.consensus_hash !== blocks[0].consensus_hash)) {
    throw new Error(`The trusted nodes disagree at block ${height} (${says.join(', ')}): trusting none.`);
  }
  const n = nodes.length;
  return { height, consensusHash: blocks[0].consensus_hash, source: n === 1 ? `the node ${nodes[0]}` : `${n} nodes that agree` };
}

// nameRecord is a registered name's record: {address, zonefile,
// verified}. With trust it is proved as of the anchor's block (verified
// says against what); without, it is the node's word (verified null).
export async function nameRecord(apiUrl, name, trust) {
  if (trust) return provedRecord(apiUrl, name, trust);
  const rec = await getJSON(`${apiUrl}/v1/names/${encodeURIComponent(name)}`);
  if (rec.status !== 'registered') {
    throw new Error(`${name} is ${rec.status}`);
  }
  return { address: rec.address, zonefile: rec.zonefile, verified: null };
}

async function provedRecord(apiUrl, name, trust) {
  const anchor = await trustAnchor(trust);
  const at = `block ${anchor.height}'s consensus hash ${anchor.consensusHash}, from ${anchor.source}`;
  const enc = encodeURIComponent(name);
  const answer = await getJSON(`${apiUrl}/v1/names/${enc}/proof?height=${anchor.height}`);
  let proved;
  try {
    proved = verifyRecord(answer, anchor, name, trust.firstBlock);
  } catch (e) {
    throw new Error(`${name}: ${apiUrl}'s answer ${e.message.replace(/^the node's answer /, '')} (checked against ${at})`);
  }
  const rec = proved.name;
  if (!rec) {
    throw new Error(`${name} is not registered as of block ${anchor.height} (proved against ${at}; a name registered in the last few blocks shows once they are buried)`);
  }
  const status = nameStatus(rec, anchor.height);
  if (status !== 'registered') {
    throw new Error(`${name} is ${status} as of block ${anchor.height} (proved against ${at})`);
  }
  let zonefile = null;
  if (rec.value_hash) {
    zonefile = (await getJSON(`${apiUrl}/v1/names/${enc}/zonefile/${rec.value_hash}`)).zonefile;
    const got = zonefileHash(zonefile ?? '');
    if (got !== rec.value_hash) {
      throw new Error(`${name}: the zone file ${apiUrl} gave hashes to ${got}, but the proved record names ${rec.value_hash}`);
    }
  }
  return { address: rec.address, zonefile, verified: `proved against ${at} (${proved.proofBytes} bytes of proof)` };
}

// lookupProfile follows name → zone file → profile and returns {profile
// (a schema.org Person), verified (nameRecord's)} once the profile's signer
// is the name's owner.
export async function lookupProfile(apiUrl, name, addressVersion, trust) {
  const rec = await nameRecord(apiUrl, name, trust);
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
  if (!issuerKey || !keyOwns(issuerKey, rec.address, addressVersion)) {
    throw new Error(`${name}'s profile is not signed by the name's owner ${rec.address}`);
  }
  return { profile: verifyProfileToken(token, issuerKey).payload.claim, verified: rec.verified };
}
