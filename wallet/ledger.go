package wallet

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
)

// undoDepth is how many recent blocks keep their hash and undo data. A
// reorganisation deeper than that finds no common block in the window, and
// the ledger rescans from the birthday: slow, but correct.
const undoDepth = 288

// coin is an unspent output paying one of the wallet's scripts.
type coin struct {
	OutPoint wire.OutPoint `json:"outpoint"`
	Value    int64         `json:"value"`
	PkScript []byte        `json:"pk_script"`
	Height   int64         `json:"height"`
	Coinbase bool          `json:"coinbase,omitempty"`
}

// blockUndo is a scanned block: its hash, to find the fork point after a
// reorganisation, and what it changed in the coin set, to rewind it.
type blockUndo struct {
	Height int64           `json:"height"`
	Hash   chainhash.Hash  `json:"hash"`
	Added  []wire.OutPoint `json:"added,omitempty"`
	Spent  []coin          `json:"spent,omitempty"`
}

// sentTx is a transaction the wallet sent. It stays recorded until it is
// buried below the undo window, so that a reorganisation that unconfirms
// it locks its coins again instead of offering them for a double spend.
type sentTx struct {
	tx *wire.MsgTx
	// height is the block that confirmed it, 0 while unconfirmed (the
	// genesis block holds no transaction of the wallet).
	height int64
}

// ledger is what the wallet knows of the chain: the coins paying its
// scripts as of height, and the transactions it sent.
type ledger struct {
	height int64
	// blocks are the last scanned blocks (at most undoDepth), oldest
	// first, the last one at height.
	blocks []blockUndo
	coins  map[wire.OutPoint]coin
	sent   map[chainhash.Hash]*sentTx
}

// newLedger is a ledger that has scanned nothing: the blocks below the
// birthday count as applied, as they cannot hold the wallet's outputs.
func newLedger(birthday int64) *ledger {
	return &ledger{
		height: birthday - 1,
		coins:  make(map[wire.OutPoint]coin),
		sent:   make(map[chainhash.Hash]*sentTx),
	}
}

// reset forgets the scan so the next sync starts again at the birthday.
// Sent transactions are kept, unconfirmed until the rescan finds them.
func (l *ledger) reset(birthday int64) {
	l.height = birthday - 1
	l.blocks = nil
	clear(l.coins)
	for _, s := range l.sent {
		s.height = 0
	}
}

// hashAt is the hash scanned at height, if still in the undo window.
func (l *ledger) hashAt(height int64) (chainhash.Hash, bool) {
	if len(l.blocks) == 0 {
		return chainhash.Hash{}, false
	}
	i := height - l.blocks[0].Height
	if i < 0 || i >= int64(len(l.blocks)) {
		return chainhash.Hash{}, false
	}
	return l.blocks[i].Hash, true
}

// connect applies the block above height: spends of the wallet's coins
// leave the set, outputs paying a watched script join it, and the wallet's
// sent transactions in it are marked confirmed.
func (l *ledger) connect(b *chain.Block, watched map[string]*Key) error {
	if b.Height != l.height+1 {
		return fmt.Errorf("block %d does not follow scanned height %d", b.Height, l.height)
	}
	u := blockUndo{Height: b.Height, Hash: b.Hash}
	for i, tx := range b.Txs {
		// By consensus the first transaction is the coinbase: it has no
		// real inputs and its outputs mature late.
		coinbase := i == 0
		if !coinbase {
			for _, in := range tx.TxIn {
				if c, ok := l.coins[in.PreviousOutPoint]; ok {
					u.Spent = append(u.Spent, c)
					delete(l.coins, in.PreviousOutPoint)
				}
			}
		}
		txid := tx.TxHash()
		if s, ok := l.sent[txid]; ok {
			s.height = b.Height
		}
		for vout, out := range tx.TxOut {
			if _, ok := watched[string(out.PkScript)]; !ok {
				continue
			}
			op := wire.OutPoint{Hash: txid, Index: uint32(vout)}
			l.coins[op] = coin{
				OutPoint: op,
				Value:    out.Value,
				PkScript: out.PkScript,
				Height:   b.Height,
				Coinbase: coinbase,
			}
			u.Added = append(u.Added, op)
		}
	}
	l.blocks = append(l.blocks, u)
	if len(l.blocks) > undoDepth {
		l.blocks = slices.Delete(l.blocks, 0, len(l.blocks)-undoDepth)
	}
	l.height = b.Height
	return nil
}

// rewind undoes the blocks above fork, or resets the scan to the birthday
// when the undo window does not reach down to fork.
func (l *ledger) rewind(fork, birthday int64) {
	if len(l.blocks) == 0 || fork < l.blocks[0].Height-1 {
		l.reset(birthday)
		return
	}
	for len(l.blocks) > 0 && l.blocks[len(l.blocks)-1].Height > fork {
		u := l.blocks[len(l.blocks)-1]
		l.blocks = l.blocks[:len(l.blocks)-1]
		// Restore before removing: an output created and spent in the
		// same block is in both lists and must end up absent.
		for _, c := range u.Spent {
			l.coins[c.OutPoint] = c
		}
		for _, op := range u.Added {
			delete(l.coins, op)
		}
	}
	for _, s := range l.sent {
		if s.height > fork {
			s.height = 0
		}
	}
	l.height = fork
}

// locked maps each coin spent by a pending (sent, unconfirmed)
// transaction to that transaction's id.
func (l *ledger) locked() map[wire.OutPoint]chainhash.Hash {
	m := make(map[wire.OutPoint]chainhash.Hash)
	for txid, s := range l.sent {
		if s.height != 0 {
			continue
		}
		for _, in := range s.tx.TxIn {
			if _, ok := l.coins[in.PreviousOutPoint]; ok {
				m[in.PreviousOutPoint] = txid
			}
		}
	}
	return m
}

// mature says whether c may be spent by a transaction mined in the block
// after the scanned height: coinbase outputs need maturity blocks in
// between, as consensus requires.
func (l *ledger) mature(c coin, maturity uint16) bool {
	return !c.Coinbase || l.height+1-c.Height >= int64(maturity)
}

// stateFile is the ledger's JSON. Network and Watch say which wallet the
// scan belongs to; when they no longer match the scan is discarded.
type stateFile struct {
	Version int    `json:"version"`
	Network string `json:"network"`
	// Watch fingerprints the watched scripts and the birthday.
	Watch  string      `json:"watch"`
	Height int64       `json:"height"`
	Blocks []blockUndo `json:"blocks"`
	Coins  []coin      `json:"coins"`
	Sent   []sentJSON  `json:"sent"`
}

// sentJSON is a sent transaction: raw, hex, and its confirmation height.
type sentJSON struct {
	Tx     string `json:"tx"`
	Height int64  `json:"height"`
}

// loadLedger reads the state file at path. A missing file, or one of
// another network, gives an empty ledger; one whose watch fingerprint
// differs (keys added, birthday moved) keeps only its sent transactions.
func loadLedger(path, network, watch string, birthday int64) (*ledger, error) {
	l := newLedger(birthday)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load wallet state: %w", err)
	}
	var s stateFile
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("load wallet state %s: %w", path, err)
	}
	if s.Version != fileVersion {
		return nil, fmt.Errorf("load wallet state %s: unsupported version %d", path, s.Version)
	}
	if s.Network != network {
		return l, nil
	}
	for _, sj := range s.Sent {
		b, err := hex.DecodeString(sj.Tx)
		if err != nil {
			return nil, fmt.Errorf("load wallet state %s: sent tx: %w", path, err)
		}
		tx := new(wire.MsgTx)
		if err := tx.Deserialize(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("load wallet state %s: sent tx: %w", path, err)
		}
		l.sent[tx.TxHash()] = &sentTx{tx: tx, height: sj.Height}
	}
	if s.Watch != watch {
		l.reset(birthday)
		return l, nil
	}
	l.height = s.Height
	l.blocks = s.Blocks
	for _, c := range s.Coins {
		l.coins[c.OutPoint] = c
	}
	return l, nil
}

// save writes the ledger to the state file at path, atomically.
func (l *ledger) save(path, network, watch string) error {
	s := stateFile{
		Version: fileVersion,
		Network: network,
		Watch:   watch,
		Height:  l.height,
		Blocks:  l.blocks,
		Coins:   make([]coin, 0, len(l.coins)),
		Sent:    make([]sentJSON, 0, len(l.sent)),
	}
	for _, c := range l.coins {
		s.Coins = append(s.Coins, c)
	}
	// Sorted, so that the file only changes when the ledger does.
	slices.SortFunc(s.Coins, func(a, b coin) int { return compareOutPoints(a.OutPoint, b.OutPoint) })
	for _, st := range l.sent {
		var buf bytes.Buffer
		if err := st.tx.Serialize(&buf); err != nil {
			return fmt.Errorf("save wallet state: sent tx: %w", err)
		}
		s.Sent = append(s.Sent, sentJSON{Tx: hex.EncodeToString(buf.Bytes()), Height: st.height})
	}
	slices.SortFunc(s.Sent, func(a, b sentJSON) int { return strings.Compare(a.Tx, b.Tx) })
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save wallet state: %w", err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("save wallet state: %w", err)
	}
	return nil
}

func compareOutPoints(a, b wire.OutPoint) int {
	if c := bytes.Compare(a.Hash[:], b.Hash[:]); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}
