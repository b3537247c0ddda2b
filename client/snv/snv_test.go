package snv

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/consensus"
)

// chain is a history of blocks with real consensus hashes, served by a
// node that may lie (lie changes a block's answer).
type chain struct {
	first  int64
	blocks map[int64]*apitypes.SNVBlock
	lie    func(b *apitypes.SNVBlock)
	asked  []int64
}

func newChain(first, last int64) *chain {
	c := &chain{first: first, blocks: map[int64]*apitypes.SNVBlock{}}
	for h := first; h <= last; h++ {
		var ops []string
		for i := range h % 3 {
			ops = append(ops, consensus.SerializeOp('+', fmt.Sprintf("name%d-%d.test", h, i), fmt.Sprintf("%040x", h*10+i)))
		}
		b := &apitypes.SNVBlock{Height: h, BlockHash: fmt.Sprintf("%064x", h), OpsHash: consensus.OpsHash(ops),
			StateRoot: fmt.Sprintf("%064x", h*7), Accepted: len(ops), Operations: ops}
		var prior []string
		for _, s := range consensus.SkipHeights(h, first) {
			ch := c.blocks[s].ConsensusHash
			b.Prior = append(b.Prior, apitypes.PriorHash{Height: s, ConsensusHash: ch})
			prior = append(prior, ch)
		}
		cm := consensus.Commitment{Height: h, BlockHash: b.BlockHash, OpsHash: b.OpsHash, StateRoot: b.StateRoot, Prior: prior}
		var err error
		if b.ConsensusHash, err = cm.Hash(); err != nil {
			panic(err)
		}
		c.blocks[h] = b
	}
	return c
}

func (c *chain) SNVBlock(_ context.Context, h int64, withOps bool) (*apitypes.SNVBlock, error) {
	c.asked = append(c.asked, h)
	b, ok := c.blocks[h]
	if !ok {
		return nil, fmt.Errorf("no block %d", h)
	}
	cp := *b
	cp.Prior = slices.Clone(b.Prior)
	cp.Operations = slices.Clone(b.Operations)
	if !withOps {
		cp.Operations = nil
	}
	if c.lie != nil {
		c.lie(&cp)
	}
	return &cp, nil
}

// TestWalk: from an anchor, every earlier block is proved with its
// operations, in at most about twice log2 of the distance fetches.
func TestWalk(t *testing.T) {
	c := newChain(100, 1100)
	anchor := Anchor{Height: 1100, ConsensusHash: c.blocks[1100].ConsensusHash}
	for _, h := range []int64{1100, 1099, 1097, 1000, 777, 500, 101, 100} {
		c.asked = nil
		b, err := Verify(context.Background(), c, anchor, h, 100)
		if err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
		if !slices.Equal(b.Operations, c.blocks[h].Operations) {
			t.Fatalf("block %d: operations %v", h, b.Operations)
		}
		if limit := 2*bits.Len64(uint64(1100-h)) + 1; b.Fetches > limit {
			t.Errorf("block %d: %d fetches (%v), want at most %d", h, b.Fetches, c.asked, limit)
		}
	}
}

// TestLies: each way a node can change its answers is refused, naming
// what failed; the truth passes.
func TestLies(t *testing.T) {
	for name, lie := range map[string]func(b *apitypes.SNVBlock){
		"an operation added": func(b *apitypes.SNVBlock) {
			if b.Height == 500 {
				b.Operations = append(b.Operations, consensus.SerializeOp('+', "evil.test", fmt.Sprintf("%040x", 1)))
				b.Accepted++
			}
		},
		"an operation dropped": func(b *apitypes.SNVBlock) {
			if b.Height == 500 && len(b.Operations) > 0 {
				b.Operations = b.Operations[1:]
				b.Accepted--
			}
		},
		"an operation changed": func(b *apitypes.SNVBlock) {
			if b.Height == 500 && len(b.Operations) > 0 {
				b.Operations[0] = consensus.SerializeOp('+', "name500-0.test", fmt.Sprintf("%040x", 666))
			}
		},
		"another operations hash": func(b *apitypes.SNVBlock) {
			if b.Height == 589 { // a step of the walk from 1100 to 500
				b.OpsHash = fmt.Sprintf("%064x", 7)
			}
		},
		"a prior hash changed": func(b *apitypes.SNVBlock) {
			if b.Height == 1100 {
				b.Prior[2].ConsensusHash = fmt.Sprintf("%032x", 3)
			}
		},
		"a prior hash left out": func(b *apitypes.SNVBlock) {
			if b.Height == 1100 {
				b.Prior = b.Prior[1:]
			}
		},
		"another block's answer": func(b *apitypes.SNVBlock) {
			if b.Height == 589 {
				b.Height = 590
			}
		},
		"prior hashes swapped (v1 let a node relabel blocks so)": func(b *apitypes.SNVBlock) {
			if b.Height == 1100 {
				b.Prior[0].ConsensusHash, b.Prior[1].ConsensusHash = b.Prior[1].ConsensusHash, b.Prior[0].ConsensusHash
			}
		},
		"another state root": func(b *apitypes.SNVBlock) {
			if b.Height == 589 {
				b.StateRoot = fmt.Sprintf("%064x", 8)
			}
		},
		"another Bitcoin block": func(b *apitypes.SNVBlock) {
			if b.Height == 589 {
				b.BlockHash = fmt.Sprintf("%064x", 590)
			}
		},
		"hash not hex": func(b *apitypes.SNVBlock) {
			if b.Height == 1100 {
				b.OpsHash = "zz" + b.OpsHash[2:]
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := newChain(100, 1100)
			c.lie = lie
			anchor := Anchor{Height: 1100, ConsensusHash: c.blocks[1100].ConsensusHash}
			_, err := Verify(context.Background(), c, anchor, 500, 100)
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("%v", err)
			}
		})
	}
	c := newChain(100, 1100)
	if _, err := Verify(context.Background(), c, Anchor{Height: 1100, ConsensusHash: fmt.Sprintf("%032x", 1)}, 500, 100); !errors.Is(err, ErrMismatch) {
		t.Fatalf("a wrong anchor: %v", err)
	}
}

func TestParseAnchor(t *testing.T) {
	a, err := ParseAnchor("0123456789abcdef0123456789abcdef@120")
	if err != nil || a.Height != 120 || a.String() != "0123456789abcdef0123456789abcdef@120" {
		t.Fatalf("%+v %v", a, err)
	}
	for _, bad := range []string{"", "@1", "0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789abcdef@1", "0123456789abcdef0123456789abcdef@-1", "0123@1"} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseOp: ParseOp reads back every field list SerializeOp writes,
// and never panics on other text.
func FuzzParseOp(f *testing.F) {
	f.Add("+:8:alice.id,40:b100a68235244b012854a95f9114695679002af9", "a", "")
	f.Fuzz(func(t *testing.T, s, a, b string) {
		ParseOp(s)
		op, err := ParseOp(consensus.SerializeOp('+', a, b))
		if err != nil || op.Opcode != '+' || !slices.Equal(op.Fields, []string{a, b}) {
			t.Fatalf("%q %q: %+v %v", a, b, op, err)
		}
	})
}

// TestWalkerReusesProvedHashes: a second block below one already proved
// is walked to from the hashes the first walk proved (here one fetch), and
// a lie in it is still refused.
func TestWalkerReusesProvedHashes(t *testing.T) {
	c := newChain(100, 1100)
	w := newWalker(c, Anchor{Height: 1100, ConsensusHash: c.blocks[1100].ConsensusHash}, 100)
	if _, err := w.block(context.Background(), 500); err != nil {
		t.Fatal(err)
	}
	b, err := w.block(context.Background(), 499) // 500's prior hashes include 499's
	if err != nil || b.Fetches != 1 || !slices.Equal(b.Operations, c.blocks[499].Operations) {
		t.Fatalf("block 499 after 500: %+v %v", b, err)
	}
	c.lie = func(b *apitypes.SNVBlock) {
		if b.Height == 497 {
			b.OpsHash = fmt.Sprintf("%064x", 9)
		}
	}
	if _, err := w.block(context.Background(), 497); !errors.Is(err, ErrMismatch) {
		t.Fatalf("a lie after a first walk: %v", err)
	}
}
