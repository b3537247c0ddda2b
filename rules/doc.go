// Package rules is the one home of the BNS rules that judge names against
// the chain's state: the time and quota constants (Rules), where a name
// stands at a block (NameState: registered, in its grace period, expired,
// revoked), what counts toward an owner's quota, when preorders and
// namespace reveals run out, where a name fee goes, and the codes the
// rules reject an operation with (Code, RuleError).
//
// Every package that applies or anticipates these rules asks here: the
// virtualchain when it folds blocks, namedb when it counts an owner's
// names, the API and the explorer when they describe a name, nameop when it
// checks an operation before broadcasting it.
//
// # What it does not do
//
// It sits at the bottom of the dependency order, just above package bns,
// and like bns it does no I/O and holds no state: its functions take the few
// numbers a rule needs (a block height, an expiry block, a flag), not the
// records of namedb or the answers of the API. Whether a transaction is a
// name operation at all, and what it claims, is bns's business
// (bns.IsNameOp, bns.Decode); walking the state is the virtualchain's.
package rules
