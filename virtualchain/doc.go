// Package virtualchain folds the Bitcoin chain into BNS state: it reads
// blocks in order from a chain.Backend, decodes name operations (package
// bns), checks each against the rules and the state before it, commits the
// accepted ones to the name database (package namedb), whole blocks per
// atomic transaction, and computes every block's consensus hash
// (docs/bns.md, "Rules" and
// "Consensus hashes"). On a reorganisation it rewinds the database to
// the fork point and applies the new branch; only the last Config.UndoDepth
// blocks below the tip (288 by default) keep what a rewind needs, and a
// deeper reorganisation fails, asking for a rebuild.
//
// While it catches up it applies blocks in batches (one transaction each,
// every block whole), reads and decodes blocks ahead on another goroutine
// (Prepare), and drops the database's query-only indexes when far behind,
// building them again when chain.Sync stops.
//
// It applies the rules (package rules, which says what each one is) and
// owns the consensus hash; it must not touch the chain's
// storage, serve HTTP, or hold zone file bytes.
package virtualchain
