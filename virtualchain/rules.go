package virtualchain

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

// expireBlock is when a name renewed at lastRenewed in a namespace made
// ready at readyBlock expires (-1: never): max(ready, last renewal) +
// lifetime × multiplier.
func (r Rules) expireBlock(lifetime uint32, readyBlock, lastRenewed int64) int64 {
	if lifetime == LifetimeInfinite {
		return -1
	}
	return max(readyBlock, lastRenewed) + int64(lifetime)*r.LifetimeMultiplier
}
