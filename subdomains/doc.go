// Package subdomains is the subdomain indexer of docs/subdomains.md:
// subdomains ("alice.foo.id") live as TXT records in the zone files of
// on-chain names, and this package turns the zone files of the chain's
// inventory into each subdomain's history and current state.
//
// It owns
//
//   - the signatures of subdomain records, byte-compatible with Blockstack
//     v1: making them (Sign, with a SingleKey or a MultisigKey) and
//     checking them (Verify; the ECDSA itself is internal/secpverify's,
//     libsecp256k1 when built with cgo, btcec without);
//   - the rules of docs/subdomains.md ("Rules"), applied to every record, each stored as
//     accepted or rejected with its Reason;
//   - the Indexer, which takes zone files in any order (AddZonefile),
//     takes them back on a reorganisation (Rewind), and answers the
//     queries the API needs (Get, History, RecordsAt, OwnedBy, Of, Count,
//     Indexed, IndexedOf);
//   - its own SQLite database file.
//
// It reads zone files with package zonefile (the TXT record syntax,
// zonefile.ParseSubdomain, and the signed text, Subdomain.SigningText) and
// takes inventory rows in namedb's shape, but it must not touch the name
// database, the zone file store, the network or the API: the node feeds it.
//
// # Why a database of its own
//
// Subdomain state is derived from zone files, which come at Atlas's pace
// and out of chain order, not from blocks. Keeping it in its own file
// keeps its writes off the name database's single writer (whose per-block
// transactions make consensus hashes), keeps it out of namedb's undo log
// and snapshots, and lets it be deleted and rebuilt from the zone files
// alone. One transaction per zone file keeps it crash-safe: a zone file
// is in, with all its records and verdicts, or not at all (Indexed says
// which), and adding one again is a no-op.
//
// # Facts from Blockstack v1
//
// From blockstack-core blockstack/lib/subdomains.py (Subdomain.pack_subdomain,
// get_plaintext_to_sign, verify, verify_singlesig, verify_multisig,
// sign_singlesig, sign_multisig, SubdomainIndex.check_initial_subdomain,
// check_subdomain_transition, decode_zonefile_subdomains) and
// virtualchain/lib/ecdsalib.py (sign_digest, verify_digest,
// encode_signature):
//
//   - The signed text is the record's strings joined by ",": the name,
//     then "owner=<address>", "seqn=<n>", "parts=<k>", "zf0=…" … in that
//     order, each value with '=' escaped as "\=", the sig string left out.
//     The name is the label ("alice") when the record sits in its parent's
//     zone file and the fully-qualified name when it is independent, however
//     the TXT record itself was named. zonefile.Subdomain.SigningText builds
//     it; this package sets the name.
//   - The digest is one SHA-256 of that text; the ECDSA signature is over
//     the digest as is (verify_digest does not hash again).
//   - sig is base64 of a Bitcoin-style scriptSig whose signatures are 64
//     bytes, r‖s big-endian (encode_signature), not DER and with no sighash
//     byte. Signers make s low; verifiers accept either.
//   - Single-sig (P2PKH owner): <sig> <pubkey>, exactly two pushes; the
//     owner must be hash160 of the public key bytes as pushed (compressed or
//     not). Multisig (P2SH owner): OP_0 <sig>… <redeemScript> (v1 ignores
//     the first element); the redeem script is m <pubkey>… n
//     OP_CHECKMULTISIG hashing to the owner, there must be exactly m
//     signatures, and they match the keys in order as OP_CHECKMULTISIG
//     matches them. We also require m ≥ 1.
//   - Owners compare by key hash and type, not by spelling: v1 passed
//     addresses through address_reencode, so mainnet and testnet spellings
//     of one key are one owner.
//   - A first record must have seqn 0 and must not be independent (no
//     signature is checked). A later one needs seqn = current + 1, then a
//     signature by the current owner, then, if independent, the same owner.
//   - In one zone file, the record with the lowest seqn for a subdomain
//     wins, the first on a tie; v1 dropped the others, we keep them as
//     ReasonDuplicate. Records that do not parse or have reserved or invalid
//     names take no offset. A zone file whose $ORIGIN is not its name
//     carries no records.
//   - A missing zone file: v1 skips it (find_zonefile_subdomains marks it
//     None and process_subdomains continues past it) and, when it arrives,
//     reprocesses that name's zone files from its block on
//     (index_discovered_zonefiles). A subdomain's state past the gap is
//     therefore provisional, and v1's API reports it "pending" when its
//     domain still misses zone files (subdomain_check_pending, which excuses
//     the indexes the domain's _missing record lists).
//
// # Where this package differs from v1, and why
//
//   - Order. Spec §4 orders records by chain position: block height,
//     inventory index, offset in the zone file (the inventory index already
//     follows block height, so the indexer keys on index and offset). v1's
//     history rewrite sorted a subdomain's records by (seqn, inventory
//     index) instead, which accepts a record whose predecessor appears
//     later on chain, and rejected a whole history when the first record in
//     that order (say an independent seqn 0) was invalid. Here a record is
//     judged against the state at its own chain position, and a bad record
//     before the creation does not poison the history.
//   - Malformed records. v1 dropped a whole zone file's records when one
//     string had no '=', a zf piece was missing or the base64 was bad, and
//     its Python 2 parser was lax about signs, blanks and stray base64
//     characters; zonefile.ParseSubdomain is strict and per record. See the
//     zonefile.Subdomain documentation.
//
// # Arrival order and missing zone files
//
// The state is a function of the set of zone files added, not of the
// order they were added in: records are judged in chain order, each
// against its subdomain's last accepted record before it, and a record
// that lands before records already known makes the indexer judge that
// subdomain again from its position on (the earlier state cannot
// change). Subdomains depend on nothing but their own records, so nothing
// else needs judging again.
//
// A zone file that has not arrived is treated as v1 treats it: as if it
// had no records, until it comes. Everything after the gap is judged on
// what is present, and may change when the gap is filled; nothing waits. A
// caller that must know whether a subdomain's state is final compares the
// inventory indexes of its parent's zone files (namedb) with IndexedOf, as
// v1's pending flag did. (An independent record in any other name's
// missing zone file could also change it; v1 ignored that case, and so
// does the pending check.)
package subdomains
