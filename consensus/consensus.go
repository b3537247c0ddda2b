// Package consensus is the construction of the consensus hashes: each
// accepted operation's canonical text (SerializeOp) and a block's
// operations hash (OpsHash), as Blockstack v1 made them; the earlier
// blocks a block's consensus hash commits to (SkipHeights, v1's skip
// list); and the consensus hash itself (Commitment.Hash), this project's
// version 2, which also commits the height, the Bitcoin block and the root
// of the name state — docs/bns.md, "Consensus hashes", gives it step by
// step. It sits at the bottom of the dependency order so that the indexer
// that computes the hashes and a light client that checks them (SNV)
// share one copy.
//
// MerkleRoot takes hex strings; callers that hold untrusted input check
// its form first (Commitment.Hash does).
package consensus

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// SerializeOp is the canonical text of one accepted operation that the
// ops hash commits to (docs/bns.md, "Consensus hashes"): the opcode character, a
// colon, then the fields as netstrings ("len:value") joined by commas; the
// length counts bytes; absent values are empty strings.
func SerializeOp(opcode byte, fields ...string) string {
	var b strings.Builder
	b.WriteByte(opcode)
	b.WriteByte(':')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return b.String()
}

// OpsHash is the Merkle root of the sorted hex dsha256 digests of a block's
// serialized operations; with none, of the digest of the empty string
// (§4.2).
func OpsHash(serialized []string) string {
	leaves := make([]string, 0, max(len(serialized), 1))
	for _, s := range serialized {
		leaves = append(leaves, hex.EncodeToString(dsha256([]byte(s))))
	}
	if len(leaves) == 0 {
		leaves = append(leaves, hex.EncodeToString(dsha256(nil)))
	}
	slices.Sort(leaves)
	return MerkleRoot(leaves)
}

// SkipHeights are the earlier blocks whose consensus hashes the block at
// height commits to: h−1, h−3, h−7, …, h−(2^i−1), not below first (§4.3).
func SkipHeights(height, first int64) []int64 {
	var hs []int64
	for d := int64(1); height-d >= first; d = d*2 + 1 {
		hs = append(hs, height-d)
	}
	return hs
}

// MerkleRoot is virtualchain's Merkle root of hex leaves: each leaf is
// decoded and byte-reversed, each level pairs neighbours with dsha256,
// doubling the last of an odd count, and the root is reversed back and
// hex-encoded. A single leaf is its own root. Leaves that are not hex are
// a programming error.
func MerkleRoot(leaves []string) string {
	if len(leaves) == 0 {
		panic("merkle root of no leaves")
	}
	level := make([][]byte, len(leaves))
	for i, l := range leaves {
		b, err := hex.DecodeString(l)
		if err != nil {
			panic("merkle leaf is not hex: " + l)
		}
		slices.Reverse(b)
		level[i] = b
	}
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([][]byte, len(level)/2)
		for i := range next {
			next[i] = dsha256(append(slices.Clone(level[2*i]), level[2*i+1]...))
		}
		level = next
	}
	root := slices.Clone(level[0])
	slices.Reverse(root)
	return hex.EncodeToString(root)
}

func dsha256(b []byte) []byte {
	h := sha256.Sum256(b)
	h = sha256.Sum256(h[:])
	return h[:]
}
