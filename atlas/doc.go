// Package atlas is the Atlas peer network: how the zone files whose hashes
// the chain names reach every node, as Blockstack v1's Atlas did
// (docs/atlas.md), with v1's quirks fixed.
//
// Every node works out the same chain-ordered list of zone file hashes
// from the chain (Chain), and an inventory is a bit vector over that list:
// bit i says whether a node holds zone file i. A node
//
//   - serves an RPC over HTTP with JSON bodies (Handler, at Path): ping,
//     getinfo, get_zonefile_inventory (offset and count in bits, where v1
//     used bytes), get_zonefiles (at most 100), put_zonefiles, announce
//     and peer_exchange; every request and reply is bounded in size, each
//     caller is rate limited and the requests served at once are bounded;
//   - keeps a peer table of peers that passed the new-peer check (same
//     network, same consensus hash at a height both have processed, not
//     too far behind), with a health score per peer (successes over
//     requests in the last hour, where a timeout, a slow answer, a file
//     advertised but not sent and addresses that fail their checks all
//     count as failures) and a slot-based eviction that works (v1's did
//     not run): a newcomer takes a slot only from a peer that no longer
//     answers;
//   - finds peers by a Metropolis-Hastings random walk with delayed
//     acceptance (MHRWDA) over peer exchange replies, and draws its
//     neighbours (the peers it refreshes, pulls from and pushes to) from
//     the walk's positions;
//   - pulls the zone files it lacks rarest first from its neighbours,
//     checking each against its hash, and gossips each new file to the
//     neighbours that lack it (v1's push never ran): a few get its bytes,
//     the rest an announcement of its bits, and each message says whom the
//     wave already reached, so that a new file reaches the network in
//     milliseconds instead of at the next 10-minute inventory refresh,
//     with its bytes sent about once per node (a neighbour that will not
//     pull from the announcer, not having it in its peer table, asks for
//     the bytes instead, since the rest of the wave skips it);
//   - penalises peers that serve bytes that do not match their hash
//     (banned at once), advertise files they do not send, answer slowly or
//     not at all, or flood peer exchange with addresses that fail their
//     checks: an unhealthy peer is dropped from the table, and banned for
//     a while if it comes back unhealthy twice more; seeds are only set
//     aside, and checked again.
//
// All loops run under Run's context and have stopped when it returns.
//
// It owns the peer protocol and the node's in-memory peer and inventory
// state. It must not touch anything else: zone files are kept by package
// zonefile/store (which checks hashes and refuses any the chain does not
// name, so a peer can never make a node store what the chain does not
// name); the chain-ordered inventory and consensus hashes come from the
// name database through Chain and are only read; the HTTP server and its
// timeouts belong to the caller; nothing here parses zone files, since
// Atlas replicates bytes.
package atlas
