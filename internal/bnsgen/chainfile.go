package bnsgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/rules"
)

// The chain file:
//
//	"BNSCHAIN" · version (u32) · blocks, each a serialized wire.MsgBlock, heights 0..tip
//	block index: per height blockEntrySize bytes (offset, length, expected accepted and
//	    rejected operations, block hash, expected consensus hash)
//	tx index: per transaction 16 bytes (first 8 bytes of the txid as a little-endian u64,
//	    offset<<16 | length), sorted
//	meta: JSON (Meta)
//	trailer: block index offset, block count, tx index offset, tx count, meta offset,
//	    meta length (u64 each) · "BNSCHEND"
//
// All integers are little-endian. A reader keeps the block index (72 bytes a
// block) and every 256th key of the tx index in memory, and reads the rest
// with pread, so that serving a million-operation chain costs the indexing
// process a few megabytes.
const (
	fileMagic      = "BNSCHAIN"
	trailerMagic   = "BNSCHEND"
	fileVersion    = 1
	blockEntrySize = 8 + 4 + 4 + 4 + 4 + 32 + 16
	txEntrySize    = 16
	trailerSize    = 6*8 + 8
	txBucket       = 256 // tx index entries per in-memory key
	maxTxLen       = 1<<16 - 1
)

// Meta describes a generated chain: how it was made and what it holds.
type Meta struct {
	Format int `json:"format"`
	// Generator is the GeneratorVersion that wrote the chain.
	Generator  int    `json:"generator"`
	Config     Config `json:"config"`
	FirstBlock int64  `json:"first_block"`
	Tip        int64  `json:"tip"`
	// Valid and Invalid count the name operations the generator meant to be
	// accepted and rejected.
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// ByKind counts operations by kind: the operation name for valid ones
	// (NAME_PREORDER, …), "invalid:<why>" for the others.
	ByKind map[string]int `json:"by_kind"`
	// Events count paths of the rules the chain exercises:
	// re-registrations of released names, renewals in the grace period,
	// fees paid to a namespace creator, old-style payloads, …
	Events       map[string]int `json:"events"`
	Transactions int            `json:"transactions"`
	Wallets      int            `json:"wallets"`
	Names        int            `json:"names"` // names registered or imported at the tip
	Bytes        int64          `json:"bytes"` // of the block data
	// ModelMismatches counts blocks whose operations hash the
	// generator's serialization of its operations predicted differently
	// from the indexer.
	ModelMismatches int `json:"model_mismatches,omitempty"`
}

type blockEntry struct {
	offset             int64
	length             uint32
	accepted, rejected uint32
	hash               chainhash.Hash
	consensus          [16]byte
}

func (e *blockEntry) put(b []byte) {
	binary.LittleEndian.PutUint64(b[0:], uint64(e.offset))
	binary.LittleEndian.PutUint32(b[8:], e.length)
	binary.LittleEndian.PutUint32(b[12:], e.accepted)
	binary.LittleEndian.PutUint32(b[16:], e.rejected)
	binary.LittleEndian.PutUint32(b[20:], 0)
	copy(b[24:56], e.hash[:])
	copy(b[56:72], e.consensus[:])
}

func (e *blockEntry) get(b []byte) {
	e.offset = int64(binary.LittleEndian.Uint64(b[0:]))
	e.length = binary.LittleEndian.Uint32(b[8:])
	e.accepted = binary.LittleEndian.Uint32(b[12:])
	e.rejected = binary.LittleEndian.Uint32(b[16:])
	copy(e.hash[:], b[24:56])
	copy(e.consensus[:], b[56:72])
}

type txEntry struct{ key, loc uint64 }

func txKey(h *chainhash.Hash) uint64 { return binary.LittleEndian.Uint64(h[:8]) }

// writer appends blocks to a chain file and writes the indexes at the end.
type writer struct {
	f      *os.File
	bw     *bufio.Writer
	off    int64
	blocks []blockEntry
	txs    []txEntry
	// byTxid serves Transaction to the indexer oracle while the file is
	// written.
	byTxid map[chainhash.Hash]uint64
	params *chaincfg.Params
	buf    bytes.Buffer
}

func newWriter(path string, params *chaincfg.Params) (*writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &writer{f: f, bw: bufio.NewWriterSize(f, 1<<20), params: params, byTxid: make(map[chainhash.Hash]uint64)}
	var hdr [12]byte
	copy(hdr[:], fileMagic)
	binary.LittleEndian.PutUint32(hdr[8:], fileVersion)
	if err := w.write(hdr[:]); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func (w *writer) write(b []byte) error {
	n, err := w.bw.Write(b)
	w.off += int64(n)
	return err
}

// writeBlock appends a block whose transactions' ids are txids, with how
// many operations indexing it must accept and reject. The caller sets its
// consensus hash in w.blocks afterwards.
func (w *writer) writeBlock(b *wire.MsgBlock, txids []chainhash.Hash, accepted, rejected int) error {
	start := w.off
	w.buf.Reset()
	if err := b.Header.Serialize(&w.buf); err != nil {
		return err
	}
	if err := wire.WriteVarInt(&w.buf, 0, uint64(len(b.Transactions))); err != nil {
		return err
	}
	if err := w.write(w.buf.Bytes()); err != nil {
		return err
	}
	for i, tx := range b.Transactions {
		w.buf.Reset()
		if err := tx.Serialize(&w.buf); err != nil {
			return err
		}
		if w.buf.Len() > maxTxLen {
			return fmt.Errorf("bnsgen: transaction of %d bytes", w.buf.Len())
		}
		loc := uint64(w.off)<<16 | uint64(w.buf.Len())
		w.txs = append(w.txs, txEntry{key: txKey(&txids[i]), loc: loc})
		w.byTxid[txids[i]] = loc
		if err := w.write(w.buf.Bytes()); err != nil {
			return err
		}
	}
	w.blocks = append(w.blocks, blockEntry{offset: start, length: uint32(w.off - start),
		accepted: uint32(accepted), rejected: uint32(rejected), hash: b.Header.BlockHash()})
	return nil
}

// finish writes the indexes, the meta data and the trailer, and closes the
// file.
func (w *writer) finish(meta *Meta) error {
	defer w.f.Close()
	meta.Bytes = w.off
	blockOff := w.off
	entry := make([]byte, blockEntrySize)
	for i := range w.blocks {
		w.blocks[i].put(entry)
		if err := w.write(entry); err != nil {
			return err
		}
	}
	slices.SortFunc(w.txs, func(a, b txEntry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	txOff := w.off
	var e [txEntrySize]byte
	for _, t := range w.txs {
		binary.LittleEndian.PutUint64(e[0:], t.key)
		binary.LittleEndian.PutUint64(e[8:], t.loc)
		if err := w.write(e[:]); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	metaOff := w.off
	if err := w.write(raw); err != nil {
		return err
	}
	var tr [trailerSize]byte
	for i, v := range []uint64{uint64(blockOff), uint64(len(w.blocks)), uint64(txOff), uint64(len(w.txs)), uint64(metaOff), uint64(len(raw))} {
		binary.LittleEndian.PutUint64(tr[i*8:], v)
	}
	copy(tr[48:], trailerMagic)
	if err := w.write(tr[:]); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	return w.f.Sync()
}

// abort removes an unfinished file.
func (w *writer) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// transaction serves a written transaction (indexer oracle).
func (w *writer) transaction(txid chainhash.Hash) (*wire.MsgTx, error) {
	loc, ok := w.byTxid[txid]
	if !ok {
		return nil, fmt.Errorf("transaction %s: %w", txid, chain.ErrNotFound)
	}
	if err := w.bw.Flush(); err != nil {
		return nil, err
	}
	return readTx(w.f, loc)
}

func readTx(r io.ReaderAt, loc uint64) (*wire.MsgTx, error) {
	buf := make([]byte, loc&maxTxLen)
	if _, err := r.ReadAt(buf, int64(loc>>16)); err != nil {
		return nil, err
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(buf)); err != nil {
		return nil, err
	}
	return tx, nil
}

// Chain is a generated chain file opened as a chain.Backend. It serves
// blocks and transactions with pread and holds only the block index and a
// sparse key index in memory. It is safe for concurrent use.
type Chain struct {
	f       *os.File
	meta    Meta
	net     *bns.Network
	blocks  []blockEntry
	txOff   int64
	txCount int64
	sparse  []uint64 // key of tx index entry i*txBucket

	byHashOnce sync.Once
	byHash     map[chainhash.Hash]int64

	blockReads, blockNanos atomic.Int64
	txReads, txNanos       atomic.Int64
}

var _ chain.Backend = (*Chain)(nil)

// Open opens a chain file written by Generate.
func Open(path string) (*Chain, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	c, err := open(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("bnsgen: %s: %w", path, err)
	}
	return c, nil
}

func open(f *os.File) (*Chain, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var hdr [12]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if string(hdr[:8]) != fileMagic || binary.LittleEndian.Uint32(hdr[8:]) != fileVersion {
		return nil, errors.New("not a chain file of this version")
	}
	if st.Size() < int64(len(hdr))+trailerSize {
		return nil, errors.New("truncated")
	}
	var tr [trailerSize]byte
	if _, err := f.ReadAt(tr[:], st.Size()-trailerSize); err != nil {
		return nil, err
	}
	if string(tr[48:]) != trailerMagic {
		return nil, errors.New("no trailer (unfinished file?)")
	}
	u := func(i int) int64 { return int64(binary.LittleEndian.Uint64(tr[i*8:])) }
	blockOff, nBlocks, txOff, nTx, metaOff, metaLen := u(0), u(1), u(2), u(3), u(4), u(5)
	c := &Chain{f: f, txOff: txOff, txCount: nTx}
	raw := make([]byte, metaLen)
	if _, err := f.ReadAt(raw, metaOff); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &c.meta); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	if c.net, err = bns.NetworkByName(c.meta.Config.Network); err != nil {
		return nil, err
	}
	idx := make([]byte, nBlocks*blockEntrySize)
	if _, err := f.ReadAt(idx, blockOff); err != nil {
		return nil, fmt.Errorf("block index: %w", err)
	}
	c.blocks = make([]blockEntry, nBlocks)
	for i := range c.blocks {
		c.blocks[i].get(idx[i*blockEntrySize:])
	}
	var e [8]byte
	for i := int64(0); i < nTx; i += txBucket {
		if _, err := f.ReadAt(e[:], txOff+i*txEntrySize); err != nil {
			return nil, fmt.Errorf("tx index: %w", err)
		}
		c.sparse = append(c.sparse, binary.LittleEndian.Uint64(e[:]))
	}
	return c, nil
}

// Close closes the file.
func (c *Chain) Close() error { return c.f.Close() }

// Meta is what the generator recorded about the chain.
func (c *Chain) Meta() Meta { return c.meta }

// Network is the BNS network the chain's operations are encoded for.
func (c *Chain) Network() *bns.Network { return c.net }

// Rules are the rules the chain was generated against.
func (c *Chain) Rules() rules.Rules { return c.meta.Config.Rules }

// FirstBlock is where indexing must start (the consensus hashes the
// generator recorded assume it).
func (c *Chain) FirstBlock() int64 { return c.meta.FirstBlock }

// Expected is what indexing the block at height must give: its consensus
// hash (hex) and how many operations the rules accept and reject.
func (c *Chain) Expected(height int64) (consensusHash string, accepted, rejected int, ok bool) {
	if height < 0 || height >= int64(len(c.blocks)) {
		return "", 0, 0, false
	}
	e := &c.blocks[height]
	return fmt.Sprintf("%x", e.consensus), int(e.accepted), int(e.rejected), true
}

// BackendStats are the backend's own costs while a reader used it.
type BackendStats struct {
	BlockReads int64
	BlockTime  time.Duration // reading and deserializing blocks
	TxReads    int64
	TxTime     time.Duration // Transaction look-ups (operations' senders)
}

// Stats returns the backend's counters.
func (c *Chain) Stats() BackendStats {
	return BackendStats{BlockReads: c.blockReads.Load(), BlockTime: time.Duration(c.blockNanos.Load()),
		TxReads: c.txReads.Load(), TxTime: time.Duration(c.txNanos.Load())}
}

// Params implements chain.Backend.
func (c *Chain) Params() *chaincfg.Params { return c.net.Params }

// Tip implements chain.Backend.
func (c *Chain) Tip(context.Context) (chain.Tip, error) {
	h := int64(len(c.blocks)) - 1
	return chain.Tip{Height: h, Hash: c.blocks[h].hash}, nil
}

// BlockHash implements chain.Backend.
func (c *Chain) BlockHash(_ context.Context, height int64) (chainhash.Hash, error) {
	if height < 0 || height >= int64(len(c.blocks)) {
		return chainhash.Hash{}, fmt.Errorf("block %d: %w", height, chain.ErrNotFound)
	}
	return c.blocks[height].hash, nil
}

// BlockByHeight implements chain.Backend.
func (c *Chain) BlockByHeight(_ context.Context, height int64) (*chain.Block, error) {
	if height < 0 || height >= int64(len(c.blocks)) {
		return nil, fmt.Errorf("block %d: %w", height, chain.ErrNotFound)
	}
	start := time.Now()
	e := &c.blocks[height]
	buf := make([]byte, e.length)
	if _, err := c.f.ReadAt(buf, e.offset); err != nil {
		return nil, fmt.Errorf("bnsgen: block %d: %w", height, err)
	}
	var mb wire.MsgBlock
	if err := mb.Deserialize(bytes.NewReader(buf)); err != nil {
		return nil, fmt.Errorf("bnsgen: block %d: %w", height, err)
	}
	c.blockReads.Add(1)
	c.blockNanos.Add(int64(time.Since(start)))
	return &chain.Block{Height: height, Hash: e.hash, Header: mb.Header, Txs: mb.Transactions}, nil
}

// BlockByHash implements chain.Backend.
func (c *Chain) BlockByHash(ctx context.Context, hash chainhash.Hash) (*chain.Block, error) {
	c.byHashOnce.Do(func() {
		c.byHash = make(map[chainhash.Hash]int64, len(c.blocks))
		for i := range c.blocks {
			c.byHash[c.blocks[i].hash] = int64(i)
		}
	})
	h, ok := c.byHash[hash]
	if !ok {
		return nil, fmt.Errorf("block %s: %w", hash, chain.ErrNotFound)
	}
	return c.BlockByHeight(ctx, h)
}

// Transaction implements chain.Backend: a binary search of the on-disk tx
// index narrowed by the in-memory keys (one read of at most 4 KiB), then
// one read of the transaction.
func (c *Chain) Transaction(_ context.Context, txid chainhash.Hash) (*wire.MsgTx, error) {
	start := time.Now()
	key := txKey(&txid)
	// The last bucket whose first key is < key may still hold key (when
	// equal keys straddle a bucket boundary), so start there.
	first, _ := slices.BinarySearch(c.sparse, key)
	first = max(first-1, 0)
	var bucket [txBucket * txEntrySize]byte // on the stack: a look-up per name operation allocated 4 KiB
	for b := first; b < len(c.sparse) && (b == first || c.sparse[b] <= key); b++ {
		n := min(int64(txBucket), c.txCount-int64(b)*txBucket)
		buf := bucket[:n*txEntrySize]
		if _, err := c.f.ReadAt(buf, c.txOff+int64(b)*txBucket*txEntrySize); err != nil {
			return nil, fmt.Errorf("bnsgen: tx index: %w", err)
		}
		lo, hi := 0, int(n)
		for lo < hi {
			m := (lo + hi) / 2
			if binary.LittleEndian.Uint64(buf[m*txEntrySize:]) < key {
				lo = m + 1
			} else {
				hi = m
			}
		}
		for j := lo; j < int(n) && binary.LittleEndian.Uint64(buf[j*txEntrySize:]) == key; j++ {
			tx, err := readTx(c.f, binary.LittleEndian.Uint64(buf[j*txEntrySize+8:]))
			if err != nil {
				return nil, fmt.Errorf("bnsgen: transaction %s: %w", txid, err)
			}
			if tx.TxHash() == txid {
				c.txReads.Add(1)
				c.txNanos.Add(int64(time.Since(start)))
				return tx, nil
			}
		}
	}
	return nil, fmt.Errorf("transaction %s: %w", txid, chain.ErrNotFound)
}

// SendTx implements chain.Backend: a generated chain takes no transactions.
func (c *Chain) SendTx(context.Context, *wire.MsgTx) (chainhash.Hash, error) {
	return chainhash.Hash{}, fmt.Errorf("%w: a generated chain is read-only", chain.ErrRejected)
}

// SubscribeTips implements chain.Backend: the tip, once; it never changes.
func (c *Chain) SubscribeTips(ctx context.Context) (<-chan chain.Tip, error) {
	tip, _ := c.Tip(ctx)
	ch := make(chan chain.Tip, 1)
	ch <- tip
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}
