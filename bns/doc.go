// Package bns is the bottom layer of go-blockstack: the Blockstack v1 name
// operations as they appear in Bitcoin transactions, and the pure functions
// over them. It owns
//
//   - the byte layout of every operation's OP_RETURN payload and the output
//     layout its transaction must have (Encode, Decode, DecodePayload);
//   - the syntax of names and namespace ids (SplitName, ValidName,
//     ValidNamespaceID);
//   - the hashes operations commit to (PreorderHash, NamespacePreorderHash,
//     NameConsensusHash, NameHash128);
//   - prices (NamespacePrice, PriceParams.NamePrice).
//
// It must not touch anything else: no I/O, no database, no network, no
// clock, no knowledge of chain state. Whether an operation is acceptable in
// a given state (a preorder pending, a name owned, a consensus hash fresh)
// is the virtualchain's business; this package only says what a
// transaction claims, and rejects transactions whose bytes or output shape
// cannot be a Blockstack v1 operation at all.
//
// The facts come from the Python node blockstack-core and the blockstack.js
// transaction builders, summarised in docs/bns.md. Where they leave a
// choice open, the choice made and its source are written beside the code.
package bns
