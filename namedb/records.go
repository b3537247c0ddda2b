package namedb

import "github.com/go-blockstack/go-blockstack/rules"

// NameRecord is a name's state. Hex strings are lowercase; absent hashes
// are empty strings.
type NameRecord struct {
	Name            string `json:"name"`
	NamespaceID     string `json:"namespace_id"`
	Address         string `json:"address"`          // the owner's address
	Sender          string `json:"sender"`           // the owner's scriptPubKey, hex
	ValueHash       string `json:"value_hash"`       // the zone file hash (hash160), hex
	PreorderHash    string `json:"preorder_hash"`    // of the registration's preorder
	FirstRegistered int64  `json:"first_registered"` // block of the registration or import
	LastRenewed     int64  `json:"last_renewed"`     // block of the last registration, renewal or import
	ExpireBlock     int64  `json:"expire_block"`     // first block at which it is expired; -1 never
	Revoked         bool   `json:"revoked"`
	Imported        bool   `json:"imported"`
	Op              string `json:"op"` // the last operation applied
	Txid            string `json:"txid"`
	Vtxindex        int    `json:"vtxindex"`
	BlockNumber     int64  `json:"block_number"` // block of the last operation
}

// NamespaceRecord is a namespace's state from its reveal on.
type NamespaceRecord struct {
	NamespaceID      string    `json:"namespace_id"`
	Address          string    `json:"address"`           // the revealer (sender of the reveal)
	Sender           string    `json:"sender"`            // its scriptPubKey, hex
	RecipientAddress string    `json:"recipient_address"` // the reveal address: imports and READY
	Recipient        string    `json:"recipient"`         // its scriptPubKey, hex
	PreorderHash     string    `json:"preorder_hash"`
	PreorderBlock    int64     `json:"preorder_block"`
	RevealBlock      int64     `json:"reveal_block"`
	ReadyBlock       int64     `json:"ready_block"` // 0 until ready
	Ready            bool      `json:"ready"`
	Lifetime         uint32    `json:"lifetime"`
	Coeff            uint8     `json:"coeff"`
	Base             uint8     `json:"base"`
	Buckets          [16]uint8 `json:"buckets"`
	NonalphaDiscount uint8     `json:"nonalpha_discount"`
	NoVowelDiscount  uint8     `json:"no_vowel_discount"`
	Version          uint16    `json:"version"`
	Burn             int64     `json:"burn"` // paid by the preorder
	Op               string    `json:"op"`
	Txid             string    `json:"txid"`
	Vtxindex         int       `json:"vtxindex"`
	BlockNumber      int64     `json:"block_number"`
}

// Preorder is a pending commitment of a NAME_PREORDER or
// NAMESPACE_PREORDER.
type Preorder struct {
	PreorderHash  string `json:"preorder_hash"`
	Namespace     bool   `json:"namespace"` // a NAMESPACE_PREORDER
	Address       string `json:"address"`   // the sender's
	Sender        string `json:"sender"`    // its scriptPubKey, hex
	Burn          int64  `json:"burn"`      // satoshis paid by the fee output
	BurnAddress   string `json:"burn_address"`
	ConsensusHash string `json:"consensus_hash"`
	Block         int64  `json:"block"`
	Txid          string `json:"txid"`
	Vtxindex      int    `json:"vtxindex"`
}

// HistoryEntry is one name operation found in a block, accepted or
// rejected (with the rule's code and the reason in words; rejections
// recorded before codes existed have none). Record is, for an accepted operation, the
// state of its subject after it (a NameRecord, NamespaceRecord or
// Preorder, as JSON); for a rejected one, the decoded operation's fields.
type HistoryEntry struct {
	Block    int64      `json:"block"`
	Vtxindex int        `json:"vtxindex"`
	Txid     string     `json:"txid"`
	Op       string     `json:"op"`
	Subject  string     `json:"subject"` // the name or namespace id, or the preorder hash
	Accepted bool       `json:"accepted"`
	Code     rules.Code `json:"code,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Record   []byte     `json:"record"`
}

// ZonefileHash is one zone file hash the chain names, in chain order: the
// inventory Atlas replicates.
type ZonefileHash struct {
	Seq      int64  `json:"seq"`
	Block    int64  `json:"block"`
	Vtxindex int    `json:"vtxindex"`
	Txid     string `json:"txid"`
	Name     string `json:"name"`
	Hash     string `json:"hash"`
}
