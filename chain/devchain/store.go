package devchain

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	bolt "go.etcd.io/bbolt"
)

// Database layout (bbolt). Every change of the best chain is one bbolt
// transaction, so a crash leaves either the old or the new chain, never a
// half-connected block.
var (
	bucketBlocks  = []byte("blocks")  // block hash → serialized block (every branch)
	bucketHeights = []byte("heights") // block hash → height (every branch)
	bucketMain    = []byte("main")    // height (8, big-endian) → hash of the best chain
	bucketUTXO    = []byte("utxo")    // outpoint (36) → utxoEntry
	bucketUndo    = []byte("undo")    // block hash → the entries its inputs spent, in order
	bucketTxIndex = []byte("txindex") // txid → hash of the best-chain block holding it
	bucketMempool = []byte("mempool") // sequence (8) → serialized transaction
	bucketMeta    = []byte("meta")

	keyFaucet = []byte("faucet") // the faucet's private key (32 bytes)
)

var allBuckets = [][]byte{bucketBlocks, bucketHeights, bucketMain, bucketUTXO, bucketUndo, bucketTxIndex, bucketMempool, bucketMeta}

// utxoEntry is an unspent output with what validation needs to know of it.
type utxoEntry struct {
	Value    int64
	PkScript []byte
	Height   int64
	Coinbase bool
}

// Serialized utxoEntry: value (8) · height (8) · coinbase (1) · script.
func (e utxoEntry) bytes() []byte {
	b := make([]byte, 17+len(e.PkScript))
	binary.BigEndian.PutUint64(b[0:8], uint64(e.Value))
	binary.BigEndian.PutUint64(b[8:16], uint64(e.Height))
	if e.Coinbase {
		b[16] = 1
	}
	copy(b[17:], e.PkScript)
	return b
}

func decodeUTXO(b []byte) (utxoEntry, error) {
	if len(b) < 17 {
		return utxoEntry{}, fmt.Errorf("utxo entry of %d bytes", len(b))
	}
	return utxoEntry{
		Value:    int64(binary.BigEndian.Uint64(b[0:8])),
		Height:   int64(binary.BigEndian.Uint64(b[8:16])),
		Coinbase: b[16] == 1,
		PkScript: bytes.Clone(b[17:]),
	}, nil
}

func outpointKey(op wire.OutPoint) []byte {
	k := make([]byte, 36)
	copy(k, op.Hash[:])
	binary.BigEndian.PutUint32(k[32:], op.Index)
	return k
}

func decodeOutpointKey(k []byte) wire.OutPoint {
	var op wire.OutPoint
	copy(op.Hash[:], k[:32])
	op.Index = binary.BigEndian.Uint32(k[32:36])
	return op
}

func heightKey(h int64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(h))
	return k
}

// undo records, in the order the block's inputs spent them, the outputs a
// block consumed, so that disconnecting the block can restore them.
type undoRecord struct {
	Outpoint wire.OutPoint
	Entry    utxoEntry
}

func encodeUndo(recs []undoRecord) []byte {
	var buf bytes.Buffer
	var n [4]byte
	for _, r := range recs {
		buf.Write(outpointKey(r.Outpoint))
		e := r.Entry.bytes()
		binary.BigEndian.PutUint32(n[:], uint32(len(e)))
		buf.Write(n[:])
		buf.Write(e)
	}
	return buf.Bytes()
}

func decodeUndo(b []byte) ([]undoRecord, error) {
	var recs []undoRecord
	for len(b) > 0 {
		if len(b) < 40 {
			return nil, errors.New("truncated undo record")
		}
		r := undoRecord{Outpoint: decodeOutpointKey(b)}
		n := int(binary.BigEndian.Uint32(b[36:40]))
		if len(b) < 40+n {
			return nil, errors.New("truncated undo record")
		}
		e, err := decodeUTXO(b[40 : 40+n])
		if err != nil {
			return nil, err
		}
		r.Entry = e
		recs = append(recs, r)
		b = b[40+n:]
	}
	return recs, nil
}

func serializeBlock(b *wire.MsgBlock) []byte {
	var buf bytes.Buffer
	if err := b.Serialize(&buf); err != nil {
		panic(err) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}

func serializeTx(tx *wire.MsgTx) []byte {
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		panic(err) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}

func readBlock(tx *bolt.Tx, hash chainhash.Hash) (*wire.MsgBlock, error) {
	raw := tx.Bucket(bucketBlocks).Get(hash[:])
	if raw == nil {
		return nil, fmt.Errorf("block %s: %w", hash, errUnknownBlock)
	}
	var b wire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("block %s: %w", hash, err)
	}
	return &b, nil
}

var errUnknownBlock = errors.New("unknown block")
