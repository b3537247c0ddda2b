package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Version is the construction of the consensus hashes this project
// computes (Commitment.Hash). Version 1 was Blockstack v1's: a hash of the
// sorted ops hash and prior consensus hashes, which committed neither the
// block's height, nor its Bitcoin block, nor the name state, and let a node
// pass one block's operations off as another's by reordering the prior
// hashes it served. Version 2 commits each of those in a fixed place.
const Version = 2

// versionTag starts every hashed commitment, so that no other hash this
// project makes can be read as one.
const versionTag = "go-blockstack/consensus/2"

// Commitment is what a block's consensus hash commits to, all hex as the
// API serves it: the block's height and Bitcoin block hash (as displayed),
// its operations hash (OpsHash), the root of the name state after it
// (package statetree; docs/state-commitment.md), and the consensus hashes
// of its SkipHeights, in that order.
type Commitment struct {
	Height    int64
	BlockHash string
	OpsHash   string
	StateRoot string
	Prior     []string
}

// Hash is the block's consensus hash (docs/bns.md, "Consensus hashes"):
// the first 16 bytes of SHA-256 over the version tag, the height (8 bytes,
// big-endian), the block hash, the ops hash and the state root (32 bytes
// each), the number of prior hashes (1 byte) and the prior hashes (16
// bytes each), as lowercase hex. A field that is not hex of its length is
// an error: a light client hashes what a node sent.
func (c *Commitment) Hash() (string, error) {
	if len(c.Prior) > 255 {
		return "", fmt.Errorf("consensus: %d prior hashes, at most 255", len(c.Prior))
	}
	b := make([]byte, 0, len(versionTag)+8+3*32+1+16*len(c.Prior))
	b = append(b, versionTag...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Height))
	var err error
	for _, f := range [...]struct{ name, hex string }{{"block hash", c.BlockHash}, {"ops hash", c.OpsHash}, {"state root", c.StateRoot}} {
		if b, err = appendHex(b, f.hex, 32); err != nil {
			return "", fmt.Errorf("consensus: block %d's %s: %w", c.Height, f.name, err)
		}
	}
	b = append(b, byte(len(c.Prior)))
	for i, p := range c.Prior {
		if b, err = appendHex(b, p, 16); err != nil {
			return "", fmt.Errorf("consensus: block %d's prior hash %d: %w", c.Height, i, err)
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), nil
}

// appendHex appends the n bytes that s, lowercase hex, holds.
func appendHex(b []byte, s string, n int) ([]byte, error) {
	if len(s) != 2*n {
		return nil, fmt.Errorf("%q is not %d hex digits", s, 2*n)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, fmt.Errorf("%q is not %d lowercase hex digits", s, 2*n)
		}
	}
	return hex.AppendDecode(b, []byte(s))
}
