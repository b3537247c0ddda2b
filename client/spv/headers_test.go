package spv

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

var regtest = &chaincfg.RegressionNetParams

// fakeSource serves a header chain the test built.
type fakeSource struct {
	chain   []wire.BlockHeader // by height, from genesis
	headers map[chainhash.Hash]wire.BlockHeader
}

func newSource(chain []wire.BlockHeader) *fakeSource {
	s := &fakeSource{chain: chain, headers: map[chainhash.Hash]wire.BlockHeader{}}
	for _, h := range chain {
		s.headers[h.BlockHash()] = h
	}
	return s
}

func (s *fakeSource) TipHeight(context.Context) (int64, error) { return int64(len(s.chain) - 1), nil }
func (s *fakeSource) BlockHash(_ context.Context, h int64) (chainhash.Hash, error) {
	if h < 0 || h >= int64(len(s.chain)) {
		return chainhash.Hash{}, fmt.Errorf("no block %d", h)
	}
	return s.chain[h].BlockHash(), nil
}
func (s *fakeSource) Header(_ context.Context, hash chainhash.Hash) (*wire.BlockHeader, error) {
	h, ok := s.headers[hash]
	if !ok {
		return nil, fmt.Errorf("no header %s", hash)
	}
	return &h, nil
}

// mine extends chain with n regtest headers (real proof of work at the
// regtest limit: two tries on average), tagged so that two branches
// differ.
func mine(chain []wire.BlockHeader, n int, tag byte) []wire.BlockHeader {
	out := append([]wire.BlockHeader(nil), chain...)
	target := blockchain.CompactToBig(regtest.PowLimitBits)
	for range n {
		prev := out[len(out)-1]
		h := wire.BlockHeader{Version: 0x20000000, PrevBlock: prev.BlockHash(), Bits: regtest.PowLimitBits,
			Timestamp: prev.Timestamp.Add(10 * time.Minute)}
		h.MerkleRoot[0] = tag
		for {
			hash := h.BlockHash()
			if blockchain.HashToBig(&hash).Cmp(target) <= 0 {
				break
			}
			h.Nonce++
		}
		out = append(out, h)
	}
	return out
}

// genesis is the regtest chain of the genesis block alone; the test clock
// runs far enough ahead for the headers mined above it.
func genesis() []wire.BlockHeader { return []wire.BlockHeader{regtest.GenesisBlock.Header} }

func newChain() *Chain {
	c := New(regtest)
	c.now = func() time.Time { return regtest.GenesisBlock.Header.Timestamp.Add(100 * 24 * time.Hour) }
	return c
}

func TestSyncAndReorg(t *testing.T) {
	ctx := context.Background()
	main := mine(genesis(), 30, 1)
	c := newChain()
	if err := c.Sync(ctx, newSource(main)); err != nil {
		t.Fatal(err)
	}
	if tip, hash := c.Tip(); tip != 30 || hash != main[30].BlockHash() {
		t.Fatalf("tip %d %s", tip, hash)
	}
	if c.Confirmations(10, main[10].BlockHash()) != 21 || c.Confirmations(10, main[11].BlockHash()) != 0 {
		t.Fatal("confirmations")
	}
	// The same chain again, and a source behind it: nothing changes.
	if err := c.Sync(ctx, newSource(main)); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, newSource(main[:20])); err != nil {
		t.Fatal(err)
	}
	// A fork from 25 with less work, then with as much: refused.
	for _, n := range []int{3, 5} {
		fork := mine(main[:26], n, 2)
		if err := c.Sync(ctx, newSource(fork)); !errors.Is(err, ErrLessWork) {
			t.Fatalf("a fork of %d blocks: %v", n, err)
		}
		if _, hash := c.Tip(); hash != main[30].BlockHash() {
			t.Fatal("the chain changed")
		}
	}
	// With more work: taken.
	fork := mine(main[:26], 6, 2)
	if err := c.Sync(ctx, newSource(fork)); err != nil {
		t.Fatal(err)
	}
	if tip, hash := c.Tip(); tip != 31 || hash != fork[31].BlockHash() || c.Confirmations(28, main[28].BlockHash()) != 0 {
		t.Fatalf("after the reorg: tip %d %s", tip, hash)
	}
	want := new(big.Int).Mul(blockchain.CalcWork(regtest.PowLimitBits), big.NewInt(31))
	if c.Work().Cmp(want) != 0 {
		t.Fatalf("work %v, want %v", c.Work(), want)
	}
}

// TestRefusesBadHeaders: each way a header can be wrong is refused, and
// the chain keeps what it had.
func TestRefusesBadHeaders(t *testing.T) {
	ctx := context.Background()
	good := mine(genesis(), 5, 1)
	for name, spoil := range map[string]func(h *wire.BlockHeader){
		"no proof of work": func(h *wire.BlockHeader) {
			for hash := h.BlockHash(); blockchain.HashToBig(&hash).Cmp(blockchain.CompactToBig(regtest.PowLimitBits)) <= 0; hash = h.BlockHash() {
				h.Nonce++
			}
		},
		"easier target":       func(h *wire.BlockHeader) { h.Bits = 0x2100ffff },
		"harder bits claimed": func(h *wire.BlockHeader) { h.Bits = 0x1d00ffff },
		"not linked":          func(h *wire.BlockHeader) { h.PrevBlock[0] ^= 1 },
		"timestamp before the median": func(h *wire.BlockHeader) {
			h.Timestamp = regtest.GenesisBlock.Header.Timestamp
		},
		"timestamp in the future": func(h *wire.BlockHeader) { h.Timestamp = h.Timestamp.Add(1000 * 24 * time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			bad := append([]wire.BlockHeader(nil), good[:4]...)
			h := good[4]
			spoil(&h)
			bad = append(bad, h)
			// Re-mine later headers on top? Not needed: the bad one is last.
			c := newChain()
			err := c.Sync(ctx, newSource(bad))
			if !errors.Is(err, ErrInvalidHeader) {
				t.Fatalf("Sync: %v", err)
			}
			if tip, _ := c.Tip(); tip != 0 {
				t.Fatalf("the chain took part of a bad branch: tip %d", tip)
			}
		})
	}
}

// TestCheckpointAtRetarget: a chain on a retargeting network starts only
// at a retarget height.
func TestCheckpointAtRetarget(t *testing.T) {
	hdr := chaincfg.MainNetParams.GenesisBlock.Header
	if _, err := FromCheckpoint(&chaincfg.MainNetParams, 2017, hdr); err == nil {
		t.Fatal("a checkpoint at 2017 was accepted")
	}
	if _, err := FromCheckpoint(&chaincfg.MainNetParams, 2016*400, hdr); err != nil {
		t.Fatal(err)
	}
}
