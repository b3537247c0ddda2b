package bnsgen

import (
	"errors"
	"fmt"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/rules"
)

// Config says what chain to generate. The same Config (and the same
// version of this package) always gives the same bytes.
type Config struct {
	// Blocks is the number of blocks after the empty genesis block: the
	// chain's heights are 0..Blocks and indexing starts at block 1.
	Blocks int `json:"blocks"`
	// Ops is the number of valid name operations (the generator lands
	// within a handful of it; see Meta.Valid).
	Ops int `json:"ops"`
	// Invalid is the share of invalid name operations among all name
	// operations, 0 ≤ Invalid < 1.
	Invalid float64 `json:"invalid"`
	Seed    uint64  `json:"seed"`
	// Network is a bns network name (mainnet by default).
	Network string `json:"network"`
	// Rules are the rules the operations are valid under (MainnetRules
	// when zero). Index with the same.
	Rules rules.Rules `json:"rules"`
	// Filler is the number of plain (non-BNS) transactions added to every
	// block, which the indexer must skip.
	Filler int `json:"filler"`
	// ShortLifetime is the lifetime of the namespace whose names expire
	// within the chain ("ephemeral"); 0 means Blocks/20 (at least 5), so
	// that expiry, renewal in the grace period and re-registration of
	// released names all happen.
	ShortLifetime uint32 `json:"short_lifetime"`
}

// DefaultConfig is the benchmark of issue 4: 100,000 blocks, 1,000,000
// valid operations and 5% invalid ones on mainnet rules.
func DefaultConfig() Config {
	return Config{Blocks: 100_000, Ops: 1_000_000, Invalid: 0.05, Seed: 1, Network: "mainnet", Rules: rules.MainnetRules}
}

// minBlocks leaves room for the namespace set-up (blocks 1–4) and for
// consensus hashes to go stale (the invalid operations that need one).
const minBlocks = 40

func (c Config) normalize() (Config, *bns.Network, error) {
	if c.Network == "" {
		c.Network = "mainnet"
	}
	net, err := bns.NetworkByName(c.Network)
	if err != nil {
		return c, nil, err
	}
	if c.Rules == (rules.Rules{}) {
		c.Rules = rules.MainnetRules
	}
	switch {
	case c.Blocks < minBlocks:
		return c, nil, fmt.Errorf("bnsgen: %d blocks; want at least %d", c.Blocks, minBlocks)
	case c.Ops < 100:
		return c, nil, fmt.Errorf("bnsgen: %d operations; want at least 100", c.Ops)
	case c.Invalid < 0 || c.Invalid >= 1:
		return c, nil, fmt.Errorf("bnsgen: invalid share %g; want 0 ≤ share < 1", c.Invalid)
	case c.Filler < 0:
		return c, nil, errors.New("bnsgen: negative filler")
	case c.Rules.ConsensusWindow < 13 || c.Rules.PreorderExpire < 8 || c.Rules.MaxNamesPerOwner < 2:
		return c, nil, errors.New("bnsgen: rules too tight for the generator (consensus window ≥ 13, preorder expiry ≥ 8, quota ≥ 2)")
	}
	if c.ShortLifetime == 0 {
		c.ShortLifetime = uint32(max(c.Blocks/20, 5))
	}
	return c, net, nil
}

// The mix. Valid operations after the namespace set-up are chosen by these
// weights (a preorder brings its registration 1–6 blocks later, so
// preorders and registrations each end up near 30%); imports are
// importShare of the operations, in the first blocks; invalid ones by
// invalidWeights.
const (
	importShare = 0.03
	reimport    = 0.02 // of imports: a second import of a name, to a new owner

	weightPreorder = 30
	weightUpdate   = 22
	weightTransfer = 8
	weightRenew    = 6
	weightRevoke   = 1

	oldStyleShare    = 0.05 // registrations whose preorder omits the register address, name-only payload
	reregisterShare  = 0.05 // registrations of released (expired) names, when there are some
	ownerReuseShare  = 0.3  // registrations to an address that already owns names
	newPayerShare    = 0.1  // preorders paid by a new address
	keepDataShare    = 0.7  // transfers that keep the zone file hash
	renewNewOwner    = 0.1  // renewals that also change the owner
	renewNameOnly    = 0.1  // renewals with the old name-only payload
	maxRegisterDelay = 6    // blocks between a preorder and its registration: 1..this
	maxConsensusLag  = 12   // an operation's consensus hash is from one of the last this many blocks
)

// Kinds of invalid operations, each rejected for a known reason.
const (
	invRegisterNoPreorder = "register-no-preorder"
	invUpdateNotOwner     = "update-not-owner"
	invBadPayload         = "bad-payload"
	invTransferStale      = "transfer-stale-consensus"
	invRevokeNotOwner     = "revoke-not-owner"
	invRegisterTaken      = "register-taken"
	invRegisterLowFee     = "register-low-fee"
	invCollision          = "collision"
	invPreorderStale      = "preorder-stale-consensus"
	invUpdateRevoked      = "update-revoked"
	invImportAfterReady   = "import-after-ready"
	invAnnounce           = "announce"
)

var invalidWeights = []struct {
	kind   string
	weight int
}{
	{invRegisterNoPreorder, 15},
	{invUpdateNotOwner, 15},
	{invBadPayload, 20},
	{invTransferStale, 10},
	{invRevokeNotOwner, 5},
	{invRegisterTaken, 8},
	{invRegisterLowFee, 8},
	{invCollision, 4},
	{invPreorderStale, 5},
	{invUpdateRevoked, 4},
	{invImportAfterReady, 3},
	{invAnnounce, 3},
}

// nsSpec is a namespace the generator creates at the start.
type nsSpec struct {
	id       string
	lifetime uint32 // 0: the short lifetime
	version  uint16
	weight   int  // share of registrations
	imports  bool // names are imported before it is ready
}

var namespaceSpecs = []nsSpec{
	{id: "id", lifetime: 52595, version: bns.NamespaceVersionPayToBurn, weight: 40, imports: true},
	{id: "podcast", lifetime: 52595, version: bns.NamespaceVersionPayToCreator, weight: 10},
	{id: "helloworld", lifetime: rules.LifetimeInfinite, version: bns.NamespaceVersionPayToBurn, weight: 10},
	{id: "graphite", lifetime: 52595, version: bns.NamespaceVersionPayToBurn, weight: 10},
	{id: "blockstack", lifetime: 52595, version: bns.NamespaceVersionPayToBurn, weight: 15},
	{id: "ephemeral", lifetime: 0, version: bns.NamespaceVersionPayToBurn, weight: 15},
}

// v1Prices are the .id namespace's pricing rules in Blockstack v1.
var v1Prices = bns.PriceParams{Coeff: 250, Base: 4,
	Buckets:          [16]uint8{6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	NonalphaDiscount: 10, NoVowelDiscount: 10}
