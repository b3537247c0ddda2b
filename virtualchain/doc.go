// Package virtualchain folds the Bitcoin chain into BNS state: it reads
// blocks in order from a chain.Backend, decodes name operations (package
// bns), checks each against the rules and the state before it, commits the
// accepted ones to the name database (package namedb), one atomic
// transaction per block, and computes every block's consensus hash
// (shared/spec/bns.md §3–4). On a reorganisation it rewinds the database to
// the fork point and applies the new branch.
//
// It owns the rules and the consensus hash; it must not touch the chain's
// storage, serve HTTP, or hold zone file bytes.
package virtualchain
