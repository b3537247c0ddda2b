package devchain_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
)

const (
	benchBlocks   = 1000
	benchTxsBlock = 200
)

// buildBenchChain mines benchBlocks blocks of benchTxsBlock signed
// transactions each: a fan-out gives the key benchTxsBlock coins, and every
// block moves each coin once.
func buildBenchChain(b *testing.B) (*devchain.Chain, int64) {
	ctx := context.Background()
	c := openChain(b, b.TempDir())
	k := newKey(b, c)
	fundTx, i := fund(b, c, k, 100_000_000)
	outs := make([]*wire.TxOut, benchTxsBlock)
	for j := range outs {
		outs[j] = wire.NewTxOut(400_000, k.pk)
	}
	fan := k.spend(b, fundTx, i, outs...)
	tip, _ := c.Tip(ctx)
	parent, err := c.MineBlock(ctx, tip.Hash, []*wire.MsgTx{fan}, nil)
	if err != nil {
		b.Fatal(err)
	}
	first := tip.Height + 2
	prev := make([]*wire.MsgTx, benchTxsBlock)
	idx := make([]uint32, benchTxsBlock)
	for j := range prev {
		prev[j], idx[j] = fan, uint32(j)
	}
	for n := 0; n < benchBlocks; n++ {
		txs := make([]*wire.MsgTx, benchTxsBlock)
		for j := range txs {
			v := prev[j].TxOut[idx[j]].Value - 200
			txs[j] = k.spend(b, prev[j], idx[j], wire.NewTxOut(v, k.pk))
			prev[j], idx[j] = txs[j], 0
		}
		if parent, err = c.MineBlock(ctx, parent, txs, nil); err != nil {
			b.Fatal(err)
		}
	}
	return c, first
}

// BenchmarkReadBlocks reads 1,000 blocks of 200 transactions through
// chain.Backend, as the virtualchain does when it syncs, beside a baseline
// measured in the same run: deserializing the same blocks' bytes from
// memory, the least any reader must do.
func BenchmarkReadBlocks(b *testing.B) {
	c, first := buildBenchChain(b)
	ctx := context.Background()
	var raw [][]byte
	for h := first; h < first+benchBlocks; h++ {
		blk, err := c.BlockByHeight(ctx, h)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		(&wire.MsgBlock{Header: blk.Header, Transactions: blk.Txs}).Serialize(&buf)
		raw = append(raw, buf.Bytes())
	}
	report := func(b *testing.B, txs int) {
		secs := b.Elapsed().Seconds()
		b.ReportMetric(float64(b.N*benchBlocks)/secs, "blocks/s")
		b.ReportMetric(float64(txs)/secs, "txs/s")
	}
	b.Run("backend", func(b *testing.B) {
		var backend chain.Backend = c
		txs := 0
		for n := 0; n < b.N; n++ {
			for h := first; h < first+benchBlocks; h++ {
				blk, err := backend.BlockByHeight(ctx, h)
				if err != nil {
					b.Fatal(err)
				}
				txs += len(blk.Txs) - 1
			}
		}
		report(b, txs)
	})
	b.Run("baseline-deserialize", func(b *testing.B) {
		txs := 0
		for n := 0; n < b.N; n++ {
			for _, r := range raw {
				var blk wire.MsgBlock
				if err := blk.Deserialize(bytes.NewReader(r)); err != nil {
					b.Fatal(err)
				}
				txs += len(blk.Transactions) - 1
			}
		}
		report(b, txs)
	})
}
