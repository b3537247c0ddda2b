// Package bnsgen generates synthetic Bitcoin chains full of BNS name
// operations, deterministically from a seed, and serves them as a
// chain.Backend: the input of the indexing benchmark (bench/bnsindex) and
// of any test that needs a large, realistic chain (crash safety,
// determinism, snapshots).
//
// # What a chain holds
//
// Block 0 is an empty genesis; indexing starts at block 1. Every block has
// a coinbase, a funding transaction when some sender has nothing to spend
// yet, the name operations, and Config.Filler plain payments the indexer
// must skip. The name operations, Config.Ops valid ones and a
// Config.Invalid share of invalid ones, are of every kind:
//
//   - block 2: NAMESPACE_PREORDER of six namespaces (block 1's consensus
//     hash is the first there is); block 3: their NAMESPACE_REVEALs, sent
//     from a real btcec key whose public key the input shows (the rules
//     require it); block 4: NAMESPACE_READY of five of them. "id" (v1's
//     prices) first takes NAME_IMPORTs (3% of the operations, a few
//     re-imports among them) for about 1% of the blocks, then becomes
//     ready. "podcast" pays name fees to its creator (version 2) for
//     PayToCreatorBlocks; "helloworld" names never expire; "ephemeral"
//     names live Config.ShortLifetime×2 blocks, so that names expire, are
//     renewed in their grace period, and are released and registered anew.
//   - then, spread over the chain with jittered block sizes: NAME_PREORDER
//     (with a consensus hash from one of the last 12 blocks) and its
//     NAME_REGISTRATION 1–6 blocks later by the same payer (5% in the old
//     form: preorder without the register address, name-only payload),
//     NAME_UPDATE, NAME_TRANSFER (keeping or clearing the zone file hash),
//     NAME_RENEWAL (preferring names close to expiry; some change owner,
//     some use the name-only payload), NAME_REVOKE. After the set-up the
//     valid mix is about 30% preorders, 29% registrations, 21% updates, 8%
//     transfers, 6% renewals, 3% imports, 1% revokes.
//   - invalid ones, each rejected for a known reason: a registration
//     without preorder, of a taken name, paid too little, or two
//     registrations of one name in one block (collision: both rejected);
//     an update, transfer or revoke by someone who does not own the name;
//     a transfer or preorder with a stale consensus hash; an update of a
//     revoked name; an import into a ready namespace; ANNOUNCE (this node
//     trusts no announcer); payloads that do not decode (unknown opcode,
//     truncated, bad name, bad disposition, bad reveal, wrong output
//     count).
//
// Payers (who preorder and register) and owners are separate addresses,
// as in v1's registrars; owners respect the 25-name quota. Operations are
// P2PKH transactions whose input spends the sender's previous output (its
// change, or the output that gave it a name, or the funding transaction),
// with a <signature> <public key> scriptSig: nothing in BNS verifies
// signatures, so none are made, and only namespace creators have real
// keys (the others' "public key" is 33 random bytes whose hash160 is
// their address).
//
// # How the operations stay valid
//
// The generator keeps a model of the name database (names, owners and
// their quota, expiry, preorders, namespaces) and decides each block's
// operations in order against it, as the rules in virtualchain check them
// against the state before the block plus the block's earlier operations.
// No two operations of a block name the same name, except the intended
// collisions.
//
// Three operations carry a consensus hash, which depends on every
// operation before and on the whole name state after each block: the
// generator cannot make block k+1 without block k's. It applies every
// block to a real virtualchain indexer as soon as it is made (into a
// temporary name database) and takes the consensus hash from there, and
// fails at the first block where the indexer accepts or rejects anything
// the generator did not mean. It also serializes the operations it meant
// to be accepted, with the fields each contributes copied from
// virtualchain/ops.go (the fields passed to valid() in gen.go), and counts
// the blocks whose operations hash differs from the indexer's
// (Meta.ModelMismatches), which the tests require to be none.
//
// The chain file records, per block, the consensus hash and the numbers of
// accepted and rejected operations the generator expects; Index checks
// every block against them. The tests index a small chain that exercises
// every kind and every rejection and require equality at every block: a
// rule or serialization change in virtualchain that the generator does not
// follow fails them.
//
// # The file and the backend
//
// Generate writes the blocks in wire format, a block index and a sorted
// transaction index (see chainfile.go); Open serves them with pread,
// keeping 72 bytes a block and every 256th transaction key in memory, so
// that the process indexing a million operations is measured, not its
// input. Transaction (the indexer's sender look-ups) costs two preads.
package bnsgen
