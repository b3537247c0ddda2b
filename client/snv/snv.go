// Package snv is Blockstack v1's simplified name verification: given a
// consensus hash the client trusts at height H, it proves that a block at
// height h ≤ H holds exactly the name operations a node says it holds,
// fetching O(log(H−h)) blocks from a node it does not trust. Each block's
// consensus hash commits to its operations hash and to the consensus
// hashes of the blocks h−1, h−3, h−7, … (package consensus), so a walk
// back along those hashes from the trusted one reaches block h with every
// step checked.
//
// What it does not prove (docs/trustless.md): that no later operation
// changed the name (a node can leave one out), nor, since v1's consensus
// hash commits to neither heights nor Bitcoin's block hashes, that the
// block is at the height the node gives it.
package snv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/consensus"
)

// Source is a node serving blocks for SNV (api/apiclient.Client is one).
// It is not trusted.
type Source interface {
	SNVBlock(ctx context.Context, height int64, withOps bool) (*apitypes.SNVBlock, error)
}

// Anchor is a consensus hash the client trusts, and its height.
type Anchor struct {
	Height        int64
	ConsensusHash string
}

func (a Anchor) String() string { return a.ConsensusHash + "@" + strconv.FormatInt(a.Height, 10) }

// ParseAnchor reads HASH@HEIGHT.
func ParseAnchor(s string) (Anchor, error) {
	hash, height, ok := strings.Cut(s, "@")
	h, err := strconv.ParseInt(height, 10, 64)
	if !ok || err != nil || h < 0 || !isHex(hash, 32) {
		return Anchor{}, fmt.Errorf("trust anchor %q: want CONSENSUS_HASH@HEIGHT (32 lowercase hex digits, a block number)", s)
	}
	return Anchor{Height: h, ConsensusHash: hash}, nil
}

// ErrMismatch wraps every way a node's answer fails to verify.
var ErrMismatch = errors.New("snv: the node's answer does not verify")

// Block is a block verified against an anchor.
type Block struct {
	Height int64
	// Operations are the block's accepted operations, serialized as
	// hashed (consensus.SerializeOp).
	Operations []string
	// Fetches is how many blocks the walk asked the node for.
	Fetches int
}

// Verify proves the operations of block h against anchor, on a network
// whose BNS history starts at firstBlock.
func Verify(ctx context.Context, src Source, anchor Anchor, h, firstBlock int64) (*Block, error) {
	return newWalker(src, anchor, firstBlock).block(ctx, h)
}

// walker proves blocks against one anchor. The consensus hashes one walk
// proves serve the walks after it, so that a second block below the first
// costs a fetch or two rather than another walk from the anchor.
type walker struct {
	src    Source
	anchor Anchor
	first  int64
	known  map[int64]string // proved consensus hashes, by height
}

func newWalker(src Source, anchor Anchor, firstBlock int64) *walker {
	return &walker{src: src, anchor: anchor, first: firstBlock, known: map[int64]string{anchor.Height: anchor.ConsensusHash}}
}

// from is the lowest height at or above h whose consensus hash is proved.
func (w *walker) from(h int64) int64 {
	best := w.anchor.Height
	for k := range w.known {
		if k >= h && k < best {
			best = k
		}
	}
	return best
}

// block proves the operations of block h.
func (w *walker) block(ctx context.Context, h int64) (*Block, error) {
	if h < w.first || h > w.anchor.Height {
		return nil, fmt.Errorf("snv: block %d is not between the network's first block %d and the anchor's %d", h, w.first, w.anchor.Height)
	}
	fetches := 0
	for cur := w.from(h); ; {
		b, err := w.src.SNVBlock(ctx, cur, cur == h)
		if err != nil {
			return nil, fmt.Errorf("snv: block %d: %w", cur, err)
		}
		fetches++
		if err := check(b, cur, w.first, w.known[cur]); err != nil {
			return nil, err
		}
		for _, p := range b.Prior {
			if k, ok := w.known[p.Height]; ok && k != p.ConsensusHash {
				return nil, fmt.Errorf("%w: block %d gives block %d's consensus hash as %s, an earlier answer proved %s", ErrMismatch, cur, p.Height, p.ConsensusHash, k)
			}
			w.known[p.Height] = p.ConsensusHash
		}
		if cur == h {
			if oh := consensus.OpsHash(b.Operations); oh != b.OpsHash || len(b.Operations) != b.Accepted {
				return nil, fmt.Errorf("%w: block %d's %d operations hash to %s, not its proved operations hash %s for %d", ErrMismatch, h, len(b.Operations), oh, b.OpsHash, b.Accepted)
			}
			return &Block{Height: h, Operations: b.Operations, Fetches: fetches}, nil
		}
		next := w.from(h)
		if next >= cur { // cannot be: cur−1 ≥ h is among cur's prior blocks
			return nil, fmt.Errorf("%w: the walk is stuck at block %d", ErrMismatch, cur)
		}
		cur = next
	}
}

// check verifies that b is the block at height whose consensus hash is
// want: the forms of its hashes, the heights of its prior hashes, and the
// consensus hash they and its operations hash make.
func check(b *apitypes.SNVBlock, height, firstBlock int64, want string) error {
	if b.Height != height {
		return fmt.Errorf("%w: asked for block %d, got %d", ErrMismatch, height, b.Height)
	}
	if !isHex(b.OpsHash, 64) {
		return fmt.Errorf("%w: block %d's operations hash %q is not 64 lowercase hex digits", ErrMismatch, height, b.OpsHash)
	}
	skip := consensus.SkipHeights(height, firstBlock)
	if len(b.Prior) != len(skip) {
		return fmt.Errorf("%w: block %d commits to %d earlier blocks, the node gave %d", ErrMismatch, height, len(skip), len(b.Prior))
	}
	for i, p := range b.Prior {
		if p.Height != skip[i] || !isHex(p.ConsensusHash, 32) {
			return fmt.Errorf("%w: block %d's prior consensus hash %d: height %d hash %q, want height %d and 32 lowercase hex digits", ErrMismatch, height, i, p.Height, p.ConsensusHash, skip[i])
		}
	}
	c := CommitmentOf(b)
	got, err := c.Hash()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMismatch, err)
	}
	if got != want {
		return fmt.Errorf("%w: block %d's block hash, operations hash, state root and prior consensus hashes make %s, not the proved %s", ErrMismatch, height, got, want)
	}
	return nil
}

// CommitmentOf is what b's consensus hash commits to, as a node gave it:
// check verifies its form and its prior hashes' heights before hashing it.
func CommitmentOf(b *apitypes.SNVBlock) consensus.Commitment {
	prior := make([]string, len(b.Prior))
	for i, p := range b.Prior {
		prior[i] = p.ConsensusHash
	}
	return consensus.Commitment{Height: b.Height, BlockHash: b.BlockHash, OpsHash: b.OpsHash, StateRoot: b.StateRoot, Prior: prior}
}

// Op is a verified operation, read back from its serialized form.
type Op struct {
	Opcode byte
	Fields []string
}

// ParseOp reads consensus.SerializeOp's text: the opcode, a colon, then
// netstrings ("len:value") joined by commas.
func ParseOp(s string) (Op, error) {
	if len(s) < 2 || s[1] != ':' {
		return Op{}, fmt.Errorf("snv: operation %.40q: no opcode", s)
	}
	op := Op{Opcode: s[0]}
	for rest := s[2:]; rest != ""; {
		n, after, ok := strings.Cut(rest, ":")
		l, err := strconv.Atoi(n)
		if !ok || err != nil || l < 0 || l > len(after) {
			return Op{}, fmt.Errorf("snv: operation %.40q: bad field length %q", s, n)
		}
		op.Fields = append(op.Fields, after[:l])
		rest = after[l:]
		if rest != "" {
			if rest[0] != ',' {
				return Op{}, fmt.Errorf("snv: operation %.40q: fields not separated by commas", s)
			}
			rest = rest[1:]
		}
	}
	return op, nil
}

// Has reports whether the operation carries every one of values as a
// field.
func (o Op) Has(values ...string) bool {
	for _, v := range values {
		if !slices.Contains(o.Fields, v) {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
