package spv

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
)

// FromBackend is a Source over a chain.Backend: a btcd or bitcoind over
// JSON-RPC, or a devnet's chain. It reads whole blocks for their headers;
// a source that serves headers alone does the same job with less traffic.
func FromBackend(b chain.Backend) Source { return backendSource{b} }

type backendSource struct{ b chain.Backend }

func (s backendSource) TipHeight(ctx context.Context) (int64, error) {
	tip, err := s.b.Tip(ctx)
	return tip.Height, err
}

func (s backendSource) BlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	return s.b.BlockHash(ctx, height)
}

func (s backendSource) Header(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error) {
	blk, err := s.b.BlockByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	return &blk.Header, nil
}
