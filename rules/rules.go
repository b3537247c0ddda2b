package rules

import "github.com/go-blockstack/go-blockstack/bns"

// RuleSet names the rules this package states: Blockstack v1's wire
// format and operations, under this project's rules and consensus hashes,
// from a first block the operator chooses. It is not v1's history, made
// under other rules in several epochs (docs/networks.md); /v1/info says
// it, and a node on mainnet or testnet must be started with it named. Its
// number is that of the consensus hashes (consensus.Version): rule set 1
// had v1's construction, which committed neither the Bitcoin block nor
// the name state.
const RuleSet = "go-blockstack-2"

// Rules are the time and quota constants of BNS (docs/bns.md, "Rules").
type Rules struct {
	// PreorderExpire: a NAME_PREORDER or NAMESPACE_PREORDER must be used
	// before this many blocks pass (144 on mainnet).
	PreorderExpire int64
	// NamespaceRevealExpire: a revealed namespace must become ready within
	// this many blocks (52,595), else it lapses and may be revealed again.
	NamespaceRevealExpire int64
	// PayToCreatorBlocks: version-2 namespaces pay name fees to their
	// creator for this many blocks after the reveal, then to the burn
	// address (52,595).
	PayToCreatorBlocks int64
	// GracePeriod: after expiry only the owner may renew, for this many
	// blocks (5,000).
	GracePeriod int64
	// ConsensusWindow: a consensus hash inside an operation must be one of
	// the last this many blocks' (24).
	ConsensusWindow int64
	// LifetimeMultiplier: a name lives lifetime × this (v1 doubled
	// namespace lifetimes after its first epoch; this project keeps ×2).
	LifetimeMultiplier int64
	// MaxNamesPerOwner: an address may own at most this many names (25).
	MaxNamesPerOwner int
}

// MainnetRules are Blockstack v1's values.
var MainnetRules = Rules{
	PreorderExpire:        144,
	NamespaceRevealExpire: 52595,
	PayToCreatorBlocks:    52595,
	GracePeriod:           5000,
	ConsensusWindow:       24,
	LifetimeMultiplier:    2,
	MaxNamesPerOwner:      25,
}

// DevnetRules shorten the waits so that a devnet shows expiry and grace
// within minutes; quotas and the consensus window stay as on mainnet.
var DevnetRules = Rules{
	PreorderExpire:        144,
	NamespaceRevealExpire: 1000,
	PayToCreatorBlocks:    1000,
	GracePeriod:           50,
	ConsensusWindow:       24,
	LifetimeMultiplier:    2,
	MaxNamesPerOwner:      25,
}

// LifetimeInfinite is the namespace lifetime whose names never expire.
const LifetimeInfinite = 0xffffffff

// ExpireBlock is when a name renewed at lastRenewed in a namespace made
// ready at readyBlock expires (-1: never): max(ready, last renewal) +
// lifetime × multiplier.
func (r Rules) ExpireBlock(lifetime uint32, readyBlock, lastRenewed int64) int64 {
	if lifetime == LifetimeInfinite {
		return -1
	}
	return max(readyBlock, lastRenewed) + int64(lifetime)*r.LifetimeMultiplier
}

// PreorderExpiresAt is the first block at which a preorder mined at block
// can no longer be used.
func (r Rules) PreorderExpiresAt(block int64) int64 { return block + r.PreorderExpire }

// PreorderExpired reports whether a preorder mined at block is used up by
// height.
func (r Rules) PreorderExpired(block, height int64) bool {
	return height >= r.PreorderExpiresAt(block)
}

// RevealLapsesAt is the first block at which a namespace revealed at
// revealBlock, if still not ready, has lapsed: it may be revealed anew,
// and its reveal address may no longer import or ready it.
func (r Rules) RevealLapsesAt(revealBlock int64) int64 { return revealBlock + r.NamespaceRevealExpire }

// RevealLapsed reports whether an unready namespace revealed at revealBlock
// has lapsed by height.
func (r Rules) RevealLapsed(revealBlock, height int64) bool {
	return height >= r.RevealLapsesAt(revealBlock)
}

// PaysCreator reports whether a name fee paid in block paidAt, in a
// namespace of version revealed at revealBlock, goes to the namespace's
// creator rather than the burn address: version 2 namespaces pay their
// creator for PayToCreatorBlocks after the reveal. paidAt is the block of
// the transaction that paid (a registration's preorder, a renewal's own);
// as in Blockstack v1 (register.py: fee_block_id; check_burn_address:
// reveal_block + period >= fee block), a fee paid to the creator within
// the period stays good even when the registration lands after it.
func (r Rules) PaysCreator(version uint16, revealBlock, paidAt int64) bool {
	return version == bns.NamespaceVersionPayToCreator && paidAt <= revealBlock+r.PayToCreatorBlocks
}
