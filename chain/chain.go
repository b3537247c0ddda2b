// Package chain defines the Bitcoin backend interface that every layer above
// it (virtualchain, wallet, CLI) reads the chain through, and the Follower
// that turns a backend's tips into an ordered stream of connected and
// disconnected blocks, finding the fork point when the chain is reorganised.
//
// It owns no storage and no network code: implementations live in
// subpackages (chain/devchain, the embedded development chain; chain/rpc,
// btcd and bitcoind over JSON-RPC). It must not import anything Blockstack
// specific; Bitcoin types come from btcsuite.
package chain

import (
	"context"
	"errors"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// ErrNotFound is returned (wrapped) when a block or transaction is unknown
// to the backend, or a height is above the tip.
var ErrNotFound = errors.New("not found")

// ErrRejected is returned (wrapped) when the backend refuses a transaction;
// the wrapping error says why.
var ErrRejected = errors.New("transaction rejected")

// Tip identifies the best block of a chain.
type Tip struct {
	Height int64
	Hash   chainhash.Hash
}

// Block is a block on the backend's best chain, with its height.
type Block struct {
	Height int64
	Hash   chainhash.Hash
	Header wire.BlockHeader
	Txs    []*wire.MsgTx
}

// Backend is a Bitcoin node as the rest of the system sees it. Heights and
// block-by-height lookups always refer to the backend's current best chain;
// a caller that followed an older chain detects a reorganisation by
// comparing the hashes it saw against BlockHash (see Follower).
type Backend interface {
	// Params are the network parameters (address versions, genesis).
	Params() *chaincfg.Params
	// Tip returns the best block.
	Tip(ctx context.Context) (Tip, error)
	// BlockHash returns the hash of the best chain's block at height.
	BlockHash(ctx context.Context, height int64) (chainhash.Hash, error)
	// BlockByHeight returns the best chain's block at height.
	BlockByHeight(ctx context.Context, height int64) (*Block, error)
	// BlockByHash returns a block on the best chain by its hash.
	BlockByHash(ctx context.Context, hash chainhash.Hash) (*Block, error)
	// Transaction returns a confirmed or mempool transaction by id.
	Transaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error)
	// SendTx submits a signed transaction to the mempool. A refusal wraps
	// ErrRejected with the backend's reason.
	SendTx(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error)
	// SubscribeTips delivers the best tip now and after every change, until
	// ctx ends; the channel is then closed. Slow readers may miss
	// intermediate tips but always receive the latest one.
	SubscribeTips(ctx context.Context) (<-chan Tip, error)
}

// Miner is implemented by backends that can mine on demand (devchain, and a
// regtest btcd through its generate call).
type Miner interface {
	// Mine mines n blocks, paying their coinbase to the backend's own
	// address, and returns their hashes.
	Mine(ctx context.Context, n int) ([]chainhash.Hash, error)
}
