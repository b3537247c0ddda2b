// Package apitypes is the node's REST API on the wire: the JSON answers of
// /v1 (Blockstack Core's paths and shapes, and this node's extensions), as
// the server in package api writes them and the client in package
// apiclient reads them.
//
// It holds shapes only: no handler, no client, nothing of the name
// database, so that a program that reads a node links none of the node.
// The server writes Operation and Subdomain with these types. Info and
// Name are the client's reading of answers the server still writes with
// shapes of its own, because it sends null where these types hold a zero
// value ("" or 0 before the first block, or for a name without a zone
// file); Namespace reads namedb's record, which the server sends as it is.
package apitypes

import (
	"encoding/json"
	"fmt"

	"github.com/go-blockstack/go-blockstack/rules"
)

// Info is /v1/info: what the node has indexed and under which rules.
type Info struct {
	ServerVersion string `json:"server_version"`
	Network       string `json:"network"`
	FirstBlock    int64  `json:"first_block"`
	// RuleSet names the rules the node applies (rules.RuleSet): not
	// Blockstack v1's history.
	RuleSet string `json:"rule_set"`
	// LastBlockProcessed is the last indexed block; 0 before the first.
	LastBlockProcessed int64 `json:"last_block_processed"`
	// Consensus is that block's consensus hash; "" before the first.
	Consensus string    `json:"consensus"`
	Rules     InfoRules `json:"rules"`
	// LastBlockSeen is the chain's tip as the node sees it (Blockstack
	// Core's name); 0 when the node could not ask its chain.
	LastBlockSeen int64 `json:"last_block_seen"`
	// Stale is true when the node lags its chain's tip by more than
	// StaleAfterBlocks, or cannot see the tip: its answers may be old.
	Stale bool `json:"stale"`
	// StaleAfterBlocks is the node's threshold (its --stale-blocks).
	StaleAfterBlocks int64 `json:"stale_after_blocks"`
	// Warning says why the node is stale ("" when it is not).
	Warning string `json:"warning"`
}

// InfoRules are the BNS time and quota constants the node applies.
type InfoRules struct {
	PreorderExpire        int64 `json:"preorder_expire"`
	NamespaceRevealExpire int64 `json:"namespace_reveal_expire"`
	PayToCreatorBlocks    int64 `json:"pay_to_creator_blocks"`
	GracePeriod           int64 `json:"grace_period"`
	ConsensusWindow       int64 `json:"consensus_window"`
	LifetimeMultiplier    int64 `json:"lifetime_multiplier"`
	MaxNamesPerOwner      int   `json:"max_names_per_owner"`
}

// Name is /v1/names/{name}: a name's record as of the node's last block.
type Name struct {
	// Status is "registered", "revoked" or "expired"; for a subdomain
	// "registered_subdomain", or, from its domain's registrar,
	// "pending_subdomain" or "submitted_subdomain".
	Status          string `json:"status"`
	Address         string `json:"address"`
	Blockchain      string `json:"blockchain"`
	ExpireBlock     int64  `json:"expire_block"` // -1: never
	GracePeriod     bool   `json:"grace_period"`
	RenewalDeadline int64  `json:"renewal_deadline"`
	LastTxid        string `json:"last_txid"`
	// ZonefileHash is "" when the name has none.
	ZonefileHash string `json:"zonefile_hash"`
	// Zonefile is the zone file, nil when the node does not hold it.
	Zonefile *string `json:"zonefile"`
	// Resolver is the _resolver URI in the zone file: the registrar that
	// answers for the name's subdomains before they are on chain; nil:
	// none.
	Resolver *string `json:"resolver"`
	// ExpiryEstimate dates ExpireBlock and RenewalDeadline; nil for a
	// name that never expires or when the node cannot measure the
	// chain's block rate (an extension of /v1).
	ExpiryEstimate *ExpiryEstimate `json:"expiry_estimate"`
}

// Pending reports whether the record is a subdomain's that its domain's
// registrar holds queued, not on chain yet (the node sent the look-up
// there): the registrar's word.
func (n *Name) Pending() bool {
	return n.Status == "pending_subdomain" || n.Status == "submitted_subdomain"
}

// ExpiryEstimate gives a name's expiry and renewal deadline as dates:
// estimates, from the chain's recent block rate, beside the heights that
// decide (a block comes when it is mined, not at a date).
type ExpiryEstimate struct {
	// ExpireDate and RenewalDeadlineDate are RFC 3339 times, UTC.
	ExpireDate          string `json:"expire_date"`
	RenewalDeadlineDate string `json:"renewal_deadline_date"`
	// Estimated is always true: the dates are estimates.
	Estimated bool `json:"estimated"`
	// SecondsPerBlock is the rate the dates assume.
	SecondsPerBlock int64 `json:"seconds_per_block"`
	// FromBlocks is how many recent blocks the rate was measured over;
	// 0 when it is Bitcoin's nominal 600 s (too few blocks to measure).
	FromBlocks int64 `json:"from_blocks"`
	// AsOfBlock is the last indexed block the dates count from.
	AsOfBlock int64 `json:"as_of_block"`
}

// SubdomainOp is one entry of /v1/subdomains/{txid}: a subdomain record
// the transaction's zone file carried, accepted or not, in Blockstack
// Core's shape.
type SubdomainOp struct {
	// Accepted is 1 for an accepted record, 0 for a rejected one.
	Accepted    int    `json:"accepted"`
	BlockHeight int64  `json:"block_height"`
	Domain      string `json:"domain"`
	// FQN is the subdomain's fully qualified name.
	FQN string `json:"fully_qualified_subdomain"`
	// Missing is always "": Core listed missing zone files here.
	Missing             string `json:"missing"`
	Owner               string `json:"owner"`
	ParentZonefileHash  string `json:"parent_zonefile_hash"`
	ParentZonefileIndex int64  `json:"parent_zonefile_index"`
	// Resolver is the domain's resolver URL; "" when unknown.
	Resolver  string `json:"resolver"`
	Sequence  uint64 `json:"sequence"`
	Signature string `json:"signature"`
	Txid      string `json:"txid"`
	// ZonefileHash is the subdomain's own zone file's hash.
	ZonefileHash   string `json:"zonefile_hash"`
	ZonefileOffset int    `json:"zonefile_offset"`
}

// Count is the answer of the counting endpoints (name_count,
// subdomains_count), all named "names_count" as in Blockstack Core.
type Count struct {
	NamesCount int64 `json:"names_count"`
}

// HistoryEntry is one operation of a name's history.
type HistoryEntry struct {
	Block    int64  `json:"block_number"`
	Vtxindex int    `json:"vtxindex"`
	Txid     string `json:"txid"`
	Opcode   string `json:"opcode"`
	Accepted bool   `json:"accepted"`
	// Code is the rule a rejected operation broke ("" for an accepted
	// one, or a rejection recorded before codes existed).
	Code rules.Code `json:"code"`
	// Reason says why a rejected operation was refused.
	Reason string `json:"reason"`
	// Fields is the whole entry: for an accepted operation, the name's
	// state after it.
	Fields map[string]any `json:"-"`
}

// Namespace is /v1/namespaces/{id}: a revealed namespace.
type Namespace struct {
	NamespaceID      string  `json:"namespace_id"`
	Address          string  `json:"address"`           // the revealer
	RecipientAddress string  `json:"recipient_address"` // the reveal address: imports and READY
	RevealBlock      int64   `json:"reveal_block"`
	ReadyBlock       int64   `json:"ready_block"`
	Ready            bool    `json:"ready"`
	Lifetime         uint32  `json:"lifetime"`
	Coeff            uint8   `json:"coeff"`
	Base             uint8   `json:"base"`
	Buckets          Buckets `json:"buckets"`
	NonalphaDiscount uint8   `json:"nonalpha_discount"`
	NoVowelDiscount  uint8   `json:"no_vowel_discount"`
	Version          uint16  `json:"version"`
	Txid             string  `json:"txid"`
}

// Buckets are a namespace's 16 price exponents. Blockstack Core sent them
// as the string "[6, 5, 4, ...]", this node as a JSON array; both decode.
type Buckets [16]uint8

// UnmarshalJSON accepts an array or a string holding one.
func (b *Buckets) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		data = []byte(s)
	}
	var vs []uint8
	if err := json.Unmarshal(data, &vs); err != nil {
		return fmt.Errorf("buckets: %w", err)
	}
	if len(vs) != len(b) {
		return fmt.Errorf("buckets: %d values, want %d", len(vs), len(b))
	}
	copy(b[:], vs)
	return nil
}

// Operation is /v1/operations/{txid}: what the rules made of a
// transaction's name operation.
type Operation struct {
	Accepted bool  `json:"accepted"`
	Block    int64 `json:"block_number"`
	// Code is the rule a rejected operation broke (see HistoryEntry).
	Code   rules.Code `json:"code"`
	Opcode string     `json:"opcode"`
	Reason string     `json:"reason"`
	// Record is the subject's state after an accepted operation.
	Record json.RawMessage `json:"record"`
	// Subject is the name, namespace id or preorder hash.
	Subject  string `json:"subject"`
	Txid     string `json:"txid"`
	Vtxindex int    `json:"vtxindex"`
}

// Subdomain is /v1/names/{fqn} for a subdomain ("label.name.namespace"):
// its current record as the node's subdomain index has it, in the shape
// of Blockstack Core and the Stacks API, plus where it comes from (its
// parent domain, the block and the record's sequence number).
type Subdomain struct {
	Address    string `json:"address"`
	Block      int64  `json:"block_height"`
	Blockchain string `json:"blockchain"`
	Domain     string `json:"domain"`
	// LastTxid is the transaction that anchored the record.
	LastTxid string `json:"last_txid"`
	// Resolver is the _resolver URI in its domain's zone file (its
	// registrar); nil: none.
	Resolver *string `json:"resolver"`
	Seq      uint64  `json:"seqn"`
	// Status is "registered_subdomain".
	Status string `json:"status"`
	// Subdomain is always true.
	Subdomain    bool   `json:"subdomain"`
	Zonefile     string `json:"zonefile"`
	ZonefileHash string `json:"zonefile_hash"`
}

// SNVBlock is /v1/blockchains/bitcoin/blocks/{height}: what a light client
// needs to check a block against a consensus hash it trusts (SNV, package
// client/snv): what the block's consensus hash commits to
// (consensus.Commitment: its Bitcoin block hash, operations hash, state
// root, and the consensus hashes of the earlier blocks in the order of
// consensus.SkipHeights), and, unless left out, the serialized operations
// that the operations hash covers, exactly as hashed.
type SNVBlock struct {
	Height        int64       `json:"height"`
	BlockHash     string      `json:"block_hash"`
	ConsensusHash string      `json:"consensus_hash"`
	OpsHash       string      `json:"ops_hash"`
	StateRoot     string      `json:"state_root"`
	Accepted      int         `json:"accepted"`
	Operations    []string    `json:"operations"`
	Prior         []PriorHash `json:"prior_consensus_hashes"`
}

// NameProof is /v1/names/{name}/proof: a name's record and its
// namespace's as of a block, each with its proof against the block's
// state root (package statetree's wire format, hex), and the block's
// commitment (Block, without operations), so that a client that trusts
// the block's consensus hash can trust the records — or that the name is
// not registered (NameRecord null). The records are the exact JSON the
// state tree hashes (consensus.RecordHash): a client hashes these bytes
// before it reads them.
type NameProof struct {
	Block           SNVBlock `json:"block"`
	NameRecord      *string  `json:"name_record"`
	NameProof       string   `json:"name_proof"`
	NamespaceRecord *string  `json:"namespace_record"`
	NamespaceProof  string   `json:"namespace_proof"`
}

// NameRecord is the JSON of a name's record in a NameProof (the node's own
// record of the name, which the state tree commits to), as far as clients
// read it.
type NameRecord struct {
	Name            string `json:"name"`
	NamespaceID     string `json:"namespace_id"`
	Address         string `json:"address"`    // the owner's
	ValueHash       string `json:"value_hash"` // the zone file hash; "" for none
	FirstRegistered int64  `json:"first_registered"`
	LastRenewed     int64  `json:"last_renewed"`
	ExpireBlock     int64  `json:"expire_block"` // first block at which it is expired; -1 never
	Revoked         bool   `json:"revoked"`
	Op              string `json:"op"` // the last operation applied
	Txid            string `json:"txid"`
	BlockNumber     int64  `json:"block_number"` // of the last operation
}

// PriorHash is the consensus hash of an earlier block.
type PriorHash struct {
	Height        int64  `json:"height"`
	ConsensusHash string `json:"consensus_hash"`
}
