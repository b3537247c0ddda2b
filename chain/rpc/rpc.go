// Package rpc is a chain.Backend (and chain.Miner) over the JSON-RPC
// interface of a btcd or bitcoind node, through btcsuite's rpcclient in HTTP
// POST mode (no TLS, user/password authentication).
//
// It owns the RPC connection and the tip-polling goroutines it starts for
// SubscribeTips; it holds no chain state of its own and must not touch the
// node beyond reading the chain, submitting transactions and, for Mine,
// generating blocks. It uses only these calls, which the embedded dev chain
// (chain/devchain) serves as well: getblockchaininfo, getblockhash,
// getbestblockhash, getblock (verbosity 0), getrawtransaction (verbose 0),
// sendrawtransaction, generate and generatetoaddress.
//
// Node requirements: Transaction uses getrawtransaction, which finds
// confirmed transactions only when the node keeps a transaction index
// (btcd --txindex, bitcoind -txindex=1). BlockByHash learns a block's height
// from the BIP34 height in its coinbase and checks it against the best
// chain, so it reports ErrNotFound for blocks off the best chain and for
// mainnet blocks from before BIP34 (height < 227931); BlockByHeight has no
// such limit. Mine needs a regtest node: btcd's generate pays to its
// --miningaddr; bitcoind, which has no generate, mines with
// generatetoaddress to Config.MiningAddress.
//
// rpcclient calls cannot be cancelled: every method returns as soon as its
// ctx ends, while the abandoned request finishes in the background. In HTTP
// POST mode rpcclient sends requests one at a time, so a long Mine delays
// other calls on the same Client.
package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
)

// DefaultPollInterval is how often SubscribeTips asks for the best block
// hash when Config.PollInterval is zero.
const DefaultPollInterval = time.Second

// Config says how to reach the node.
type Config struct {
	// Host is the node's RPC address, host:port (e.g. 127.0.0.1:18443).
	Host string
	// User and Pass authenticate to the RPC server. Pass is required
	// unless CookiePath is set.
	User, Pass string
	// CookiePath is bitcoind's .cookie file, used when Pass is empty.
	CookiePath string
	// Params are the node's network parameters, e.g.
	// &chaincfg.RegressionNetParams, &chaincfg.TestNet3Params or
	// &chaincfg.MainNetParams. Required.
	Params *chaincfg.Params
	// MiningAddress receives the coinbases Mine creates on a node without
	// generate (bitcoind). Optional; must be an address of Params' network.
	MiningAddress string
	// PollInterval is SubscribeTips' polling period (DefaultPollInterval
	// when zero).
	PollInterval time.Duration
}

// Client is a chain.Backend and chain.Miner backed by a node's JSON-RPC.
// It is safe for concurrent use.
type Client struct {
	rpc      *rpcclient.Client
	params   *chaincfg.Params
	mineAddr btcutil.Address // nil when not configured
	poll     time.Duration
	mineMode atomic.Int32 // mineUnknown, mineGenerate or mineToAddress
}

const (
	mineUnknown int32 = iota
	mineGenerate
	mineToAddress
)

var (
	_ chain.Backend = (*Client)(nil)
	_ chain.Miner   = (*Client)(nil)
)

// New returns a Client for the node cfg describes. It does not contact the
// node; see CheckNetwork.
func New(cfg Config) (*Client, error) {
	if cfg.Host == "" {
		return nil, errors.New("rpc: Config.Host is empty")
	}
	if cfg.Params == nil {
		return nil, errors.New("rpc: Config.Params is nil")
	}
	if cfg.Pass == "" && cfg.CookiePath == "" {
		return nil, errors.New("rpc: Config.Pass and Config.CookiePath are empty")
	}
	c := &Client{params: cfg.Params, poll: cfg.PollInterval}
	if c.poll <= 0 {
		c.poll = DefaultPollInterval
	}
	if cfg.MiningAddress != "" {
		addr, err := btcutil.DecodeAddress(cfg.MiningAddress, cfg.Params)
		if err != nil || !addr.IsForNet(cfg.Params) {
			return nil, fmt.Errorf("rpc: mining address %q is not a %s address", cfg.MiningAddress, cfg.Params.Name)
		}
		c.mineAddr = addr
	}
	rc, err := rpcclient.New(&rpcclient.ConnConfig{
		Host:         cfg.Host,
		User:         cfg.User,
		Pass:         cfg.Pass,
		CookiePath:   cfg.CookiePath,
		HTTPPostMode: true,
		DisableTLS:   true,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("rpc: %w", err)
	}
	c.rpc = rc
	return c, nil
}

// Close shuts the RPC client down; calls still waiting fail.
func (c *Client) Close() {
	c.rpc.Shutdown()
}

// CheckNetwork verifies that the node's genesis block is Params' genesis.
func (c *Client) CheckNetwork(ctx context.Context) error {
	h, err := c.BlockHash(ctx, 0)
	if err != nil {
		return err
	}
	if h != *c.params.GenesisHash {
		return fmt.Errorf("rpc: node's genesis %s is not %s's %s", h, c.params.Name, c.params.GenesisHash)
	}
	return nil
}

// Params returns the configured network parameters.
func (c *Client) Params() *chaincfg.Params { return c.params }

// Tip returns the node's best block, read in one getblockchaininfo call so
// height and hash agree.
func (c *Client) Tip(ctx context.Context) (chain.Tip, error) {
	var info struct {
		Blocks        int64  `json:"blocks"`
		BestBlockHash string `json:"bestblockhash"`
	}
	if err := c.Call(ctx, "getblockchaininfo", &info); err != nil {
		return chain.Tip{}, fmt.Errorf("rpc: getblockchaininfo: %w", err)
	}
	h, err := chainhash.NewHashFromStr(info.BestBlockHash)
	if err != nil {
		return chain.Tip{}, fmt.Errorf("rpc: getblockchaininfo: best block hash: %w", err)
	}
	return chain.Tip{Height: info.Blocks, Hash: *h}, nil
}

// BlockHash returns the hash of the best chain's block at height.
func (c *Client) BlockHash(ctx context.Context, height int64) (chainhash.Hash, error) {
	if height < 0 || height > math.MaxInt32 {
		return chainhash.Hash{}, fmt.Errorf("rpc: block at height %d: %w", height, chain.ErrNotFound)
	}
	h, err := wait(ctx, c.rpc.GetBlockHashAsync(height).Receive)
	if err != nil {
		// btcd: -1 "Block number out of range"; bitcoind: -8 "Block
		// height out of range".
		if isRPC(err, btcjson.ErrRPCOutOfRange, btcjson.ErrRPCInvalidParameter) {
			return chainhash.Hash{}, fmt.Errorf("rpc: block at height %d: %w: %w", height, chain.ErrNotFound, err)
		}
		return chainhash.Hash{}, fmt.Errorf("rpc: getblockhash %d: %w", height, err)
	}
	return *h, nil
}

// BlockByHeight returns the best chain's block at height.
func (c *Client) BlockByHeight(ctx context.Context, height int64) (*chain.Block, error) {
	h, err := c.BlockHash(ctx, height)
	if err != nil {
		return nil, err
	}
	mb, err := c.getBlock(ctx, h)
	if err != nil {
		return nil, err
	}
	return newBlock(height, h, mb), nil
}

// BlockByHash returns a block of the best chain by hash. Its height comes
// from the coinbase (BIP34) and must match the best chain's block at that
// height, otherwise the block is reported as not found.
func (c *Client) BlockByHash(ctx context.Context, hash chainhash.Hash) (*chain.Block, error) {
	mb, err := c.getBlock(ctx, hash)
	if err != nil {
		return nil, err
	}
	if hash == *c.params.GenesisHash {
		return newBlock(0, hash, mb), nil
	}
	height, ok := coinbaseHeight(mb)
	if ok {
		onBest, err := c.BlockHash(ctx, height)
		switch {
		case err == nil && onBest == hash:
			return newBlock(height, hash, mb), nil
		case err != nil && !errors.Is(err, chain.ErrNotFound):
			return nil, err
		}
	}
	return nil, fmt.Errorf("rpc: block %s is not on the best chain: %w", hash, chain.ErrNotFound)
}

// Transaction returns a mempool or confirmed transaction (the latter needs
// the node's transaction index).
func (c *Client) Transaction(ctx context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	tx, err := wait(ctx, c.rpc.GetRawTransactionAsync(&txid).Receive)
	if err != nil {
		if isRPC(err, btcjson.ErrRPCNoTxInfo) {
			return nil, fmt.Errorf("rpc: transaction %s: %w: %w", txid, chain.ErrNotFound, err)
		}
		return nil, fmt.Errorf("rpc: getrawtransaction %s: %w", txid, err)
	}
	return tx.MsgTx(), nil
}

// SendTx submits tx with a plain sendrawtransaction (no fee-limit
// parameter, so no version probe is needed). Refusals wrap
// chain.ErrRejected and the node's error.
func (c *Client) SendTx(ctx context.Context, tx *wire.MsgTx) (chainhash.Hash, error) {
	txid := tx.TxHash()
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return chainhash.Hash{}, fmt.Errorf("rpc: serialize %s: %w", txid, err)
	}
	var got string
	if err := c.Call(ctx, "sendrawtransaction", &got, hex.EncodeToString(buf.Bytes())); err != nil {
		if isRPC(err, btcjson.ErrRPCDeserialization, btcjson.ErrRPCVerify,
			btcjson.ErrRPCTxRejected, btcjson.ErrRPCTxAlreadyInChain, btcjson.ErrRPCInvalidParameter) {
			return chainhash.Hash{}, fmt.Errorf("rpc: send %s: %w: %w", txid, chain.ErrRejected, err)
		}
		return chainhash.Hash{}, fmt.Errorf("rpc: sendrawtransaction %s: %w", txid, err)
	}
	h, err := chainhash.NewHashFromStr(got)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("rpc: sendrawtransaction %s: reply %q: %w", txid, got, err)
	}
	return *h, nil
}

// SubscribeTips sends the current tip, then polls getbestblockhash every
// PollInterval and sends the new tip whenever it changes. The channel holds
// one tip; a slow reader finds the latest one there. A goroutine owned by
// ctx does the polling and closes the channel when ctx ends. Polling errors
// are retried at the next interval.
func (c *Client) SubscribeTips(ctx context.Context) (<-chan chain.Tip, error) {
	tip, err := c.Tip(ctx)
	if err != nil {
		return nil, err
	}
	ch := make(chan chain.Tip, 1)
	ch <- tip
	go func() {
		defer close(ch)
		last := tip.Hash
		t := time.NewTicker(c.poll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			best, err := wait(ctx, c.rpc.GetBestBlockHashAsync().Receive)
			if err != nil || *best == last {
				continue
			}
			tip, err := c.Tip(ctx)
			if err != nil || tip.Hash == last {
				continue
			}
			last = tip.Hash
			// Latest wins: this goroutine is the only sender, so after
			// emptying the buffer the send cannot block.
			select {
			case ch <- tip:
			default:
				select {
				case <-ch:
				default:
				}
				ch <- tip
			}
		}
	}()
	return ch, nil
}

// Mine mines n blocks (regtest) and returns their hashes. With
// Config.MiningAddress set it asks for generatetoaddress (bitcoind, a
// devnet), without it or when the node has no such method (btcd) for
// generate, which pays the node's own --miningaddr; the first call finds
// out which the node serves.
func (c *Client) Mine(ctx context.Context, n int) ([]chainhash.Hash, error) {
	if n < 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("rpc: mine %d blocks: bad count", n)
	}
	if n == 0 {
		return nil, nil
	}
	var (
		hs  []*chainhash.Hash
		err error
	)
	mode := c.mineMode.Load()
	if mode == mineUnknown && c.mineAddr == nil {
		mode = mineGenerate
	}
	if mode != mineGenerate {
		hs, err = wait(ctx, c.rpc.GenerateToAddressAsync(int64(n), c.mineAddr, nil).Receive)
		switch {
		case err == nil:
			c.mineMode.Store(mineToAddress)
		case mode == mineUnknown && isRPC(err, btcjson.ErrRPCMethodNotFound.Code):
			c.mineMode.Store(mineGenerate)
			mode = mineGenerate
		default:
			return nil, fmt.Errorf("rpc: generatetoaddress %d: %w", n, err)
		}
	}
	if mode == mineGenerate {
		hs, err = wait(ctx, c.rpc.GenerateAsync(uint32(n)).Receive)
		if err != nil {
			return nil, fmt.Errorf("rpc: generate %d: %w", n, err)
		}
	}
	out := make([]chainhash.Hash, len(hs))
	for i, h := range hs {
		out[i] = *h
	}
	return out, nil
}

// BlockHeader returns a block's header alone (getblockheader, not
// verbose): a light client syncing many headers needs no transactions.
func (c *Client) BlockHeader(ctx context.Context, hash chainhash.Hash) (*wire.BlockHeader, error) {
	h, err := wait(ctx, c.rpc.GetBlockHeaderAsync(&hash).Receive)
	if err != nil {
		if isRPC(err, btcjson.ErrRPCBlockNotFound, btcjson.ErrRPCInvalidAddressOrKey) {
			return nil, fmt.Errorf("rpc: block header %s: %w: %w", hash, chain.ErrNotFound, err)
		}
		return nil, fmt.Errorf("rpc: getblockheader %s: %w", hash, err)
	}
	return h, nil
}

func (c *Client) getBlock(ctx context.Context, hash chainhash.Hash) (*wire.MsgBlock, error) {
	mb, err := wait(ctx, c.rpc.GetBlockAsync(&hash).Receive)
	if err != nil {
		if isRPC(err, btcjson.ErrRPCBlockNotFound) {
			return nil, fmt.Errorf("rpc: block %s: %w: %w", hash, chain.ErrNotFound, err)
		}
		return nil, fmt.Errorf("rpc: getblock %s: %w", hash, err)
	}
	return mb, nil
}

// Call sends method with params and decodes the result into out: for the
// node-specific calls the Backend does not cover (the devnet's faucet, btcd's
// invalidateblock). A nil out discards the result.
func (c *Client) Call(ctx context.Context, method string, out any, params ...any) error {
	ps := make([]json.RawMessage, len(params))
	for i, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		ps[i] = b
	}
	res, err := wait(ctx, c.rpc.RawRequestAsync(method, ps).Receive)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(res, out)
}

// wait runs receive (an rpcclient future's Receive) and returns its result,
// or ctx's error as soon as ctx ends.
func wait[T any](ctx context.Context, receive func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	done := make(chan result, 1)
	go func() {
		v, err := receive()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// isRPC reports whether err is a JSON-RPC error with one of codes.
func isRPC(err error, codes ...btcjson.RPCErrorCode) bool {
	var re *btcjson.RPCError
	if !errors.As(err, &re) {
		return false
	}
	for _, c := range codes {
		if re.Code == c {
			return true
		}
	}
	return false
}

func newBlock(height int64, hash chainhash.Hash, mb *wire.MsgBlock) *chain.Block {
	return &chain.Block{Height: height, Hash: hash, Header: mb.Header, Txs: mb.Transactions}
}

// coinbaseHeight reads the BIP34 height pushed first in the coinbase's
// signature script (a small-integer opcode or a minimal script number).
func coinbaseHeight(mb *wire.MsgBlock) (int64, bool) {
	if len(mb.Transactions) == 0 || len(mb.Transactions[0].TxIn) == 0 {
		return 0, false
	}
	tok := txscript.MakeScriptTokenizer(0, mb.Transactions[0].TxIn[0].SignatureScript)
	if !tok.Next() {
		return 0, false
	}
	op := tok.Opcode()
	switch {
	case op == txscript.OP_0:
		return 0, true
	case op >= txscript.OP_1 && op <= txscript.OP_16:
		return int64(op-txscript.OP_1) + 1, true
	case op >= txscript.OP_DATA_1 && op <= txscript.OP_DATA_8:
		d := tok.Data()
		var v int64
		for i := len(d) - 1; i >= 0; i-- {
			v = v<<8 | int64(d[i])
		}
		if d[len(d)-1]&0x80 != 0 { // negative: not a height
			return 0, false
		}
		return v, true
	}
	return 0, false
}
