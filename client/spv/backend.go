package spv

import (
	"context"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
)

// FromBackend is a Source over a chain.Backend: a btcd or bitcoind over
// JSON-RPC, or a devnet's chain. It reads headers alone where the backend
// serves them (chain/rpc: getblockheader), and whole blocks for their
// headers otherwise.
func FromBackend(b chain.Backend) Source { return backendSource{b} }

// headerReader is a backend that serves headers alone: on mainnet a
// whole block is a megabyte or more, its header 80 bytes.
type headerReader interface {
	BlockHeader(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error)
}

type backendSource struct{ b chain.Backend }

func (s backendSource) TipHeight(ctx context.Context) (int64, error) {
	tip, err := s.b.Tip(ctx)
	return tip.Height, err
}

func (s backendSource) BlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	return s.b.BlockHash(ctx, height)
}

func (s backendSource) Header(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error) {
	if hr, ok := s.b.(headerReader); ok {
		return hr.BlockHeader(ctx, hash)
	}
	blk, err := s.b.BlockByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	return &blk.Header, nil
}
