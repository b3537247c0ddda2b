// Package registrar is a subdomain registrar (docs/subdomains.md,
// "The registrar"): it takes signed requests for subdomains of one on-chain name, its
// domain, over HTTP, queues them, batches them into the domain's next zone
// file, anchors that with a NAME_UPDATE from the domain owner's key, hands
// the zone file to the node (and so to Atlas), and answers for the names
// it holds while they are still pending.
//
// It owns
//
//   - the request formats and their checks (RegisterRequest,
//     RecordRequest): signatures, availability, sequence numbers, size;
//   - its queue, a SQLite file of its own (Store), and the batches in it;
//   - the batching: which requests go in which zone file, and that zone
//     file's bytes;
//   - its HTTP API (Handler) with per-client rate limits, and a client of
//     it (Client).
//
// It must not touch the name database, the zone file store, the
// subdomain index or the chain: it reads the node through Node (its REST
// API, APINode) and sends through Anchor (nameop, UpdateAnchor), as any
// other client of the node would. Whether a record it sent is valid is
// the indexer's decision, not the registrar's; the registrar only refuses
// what the indexer would certainly reject.
//
// # Requests
//
// POST /register takes {"name", "owner_address", "zonefile", "signature"}
// (v1's registrar took the first three; the signature is new). The
// signature is the owner's subdomain record signature, v1's format (base64
// scriptSig: r‖s and public key for a P2PKH owner, OP_0, signatures and
// redeem script for a P2SH multisig one), over the seqn-0 record the
// registration creates, named by its fully-qualified name:
//
//	sha256("alice.foo.id,owner=<addr>,seqn=0,parts=<k>,zf0=<piece>,…")
//
// so subdomains.Sign makes it and subdomains.Verify checks it, for every
// kind of owner, and nobody can register a name to an address without its
// key. In the domain's zone file records are named by their label, so a
// registration's signature never passes for a record's; the fully
// qualified name binds it to this domain. The record put in the zone file
// carries no signature (a creation needs none), which saves about 140
// bytes a record; the signature stays in the queue.
//
// POST /update and POST /transfer take {"name", "owner_address",
// "sequence", "zonefile", "signature"}: the record itself, with seqn one
// past the current one and signed as v1 signs records in the parent's zone
// file (named by the label) by the current owner. The registrar carries it
// unchanged. "Current" is the newer of the node's record and the newest
// request queued here, so a user may chain an update or a transfer behind
// a request not yet confirmed; a zone file never holds two records of one
// name (v1 kept only the lowest seqn), so such a record waits for the next
// batch.
//
// A registration needs a name that is neither on chain nor queued; every
// request needs an owner that is a P2PKH or P2SH address of the network,
// and a record that fits in a zone file beside the registrar's own
// records. Write requests are rate-limited per client IP (a token bucket;
// the table of clients is bounded), and at most Config.MaxPending wait
// for a batch. The IP is the connection's: forwarding headers are not
// trusted (v1's X-Real-IP was only safe behind its own proxy), so behind a
// proxy all clients share one bucket.
//
// GET /v1/names/{fqn} answers, for names in the queue, what v1's
// registrar did (getSubdomainInfo): the node's record shape with status
// "pending_subdomain" (no transaction yet), "submitted_subdomain" (its
// NAME_UPDATE is broadcast, last_txid) or "registered_subdomain" (indexed
// by the node); 404 {"status": "available"} for others. This is the
// resolver the zone files' _resolver URI record points at, so that a new
// user's name resolves at once. GET /status/{name} gives v1's status
// sentences with the state spelled out.
//
// # Zone files
//
// Each batch's zone file is $ORIGIN and $TTL, the domain's current
// non-subdomain records (its profile URI, say), a _resolver URI record,
// then as many subdomain records, oldest request first, as fit within
// zonefile.MaxSize (40,960 bytes; v1's makeUpdateZonefile likewise added
// records while the file stayed under its size). Earlier subdomain
// records are not carried over: v1's registrar wrote only the batch's
// records, since indexers read every zone file the domain ever had. A
// full zone file goes out at once; one that is not full once no request
// has come for BatchDelay, or its oldest has waited MaxBatchDelay. (v1
// sent a batch every batchDelayPeriod minutes, full or not.)
//
// # Persistence and restarts
//
// A request is pending, then submitted (its batch's NAME_UPDATE has a
// txid), then confirmed (the node has indexed that transaction and holds
// the zone file); or failed, with the reason. A batch is written to the
// queue, with its zone file's bytes and its requests, in one transaction
// synced to disk, before anything about it is sent; there is at most one
// unconfirmed batch, and the next is built only once it is confirmed, so
// that every update is made against the state its predecessor left.
//
// Sending is Anchor's job, and UpdateAnchor does it with nameop's
// journal: the update job commits to the zone file's hash, and its signed
// transaction is journaled before it is broadcast. A registrar that stops
// anywhere (before the broadcast, between broadcast and confirmation, or
// after the confirmation but before the queue records it) finds the
// unconfirmed batch on restart and hands the same bytes to Anchor, which
// continues the journaled job: it waits for, or re-sends, the same
// transaction, and never builds a second update for the batch. If the
// journal were lost, nameop still skips the update when the domain
// already carries the batch's hash.
//
// v1's registrar (server.js submitBatch) instead marked its requests
// submitted only after broadcasting, so a crash between the two left them
// queued, to go out again in a second update; and it published the zone
// file only once the update had 6 confirmations (checkTransactions), where
// this one publishes it once the node has indexed the update.
package registrar
