package wallet

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
	"github.com/go-blockstack/go-blockstack/internal/seal"
)

var (
	// ErrNoWallet is returned (wrapped) by Open when the wallet file does
	// not exist.
	ErrNoWallet = errors.New("no wallet file")
	// ErrWalletExists is returned (wrapped) by Create when the file exists.
	ErrWalletExists = errors.New("wallet file already exists")
	// ErrNoKeys is returned (wrapped) for a wallet file holding neither a
	// mnemonic nor a WIF key.
	ErrNoKeys = errors.New("wallet has no keys")
)

// saveEvery is how many scanned blocks a long Sync goes between saves of
// its progress, so that an interrupted first scan resumes near where it
// stopped.
const saveEvery = 1000

// Wallet is an open wallet file and its scan state. It is safe for
// concurrent use; Sync holds the wallet for the whole scan.
type Wallet struct {
	path   string
	file   walletFile
	params *chaincfg.Params

	payment *Key
	owners  []*Key
	// watched are the wallet's keys by P2PKH script.
	watched map[string]*Key
	// watch fingerprints watched and the birthday for the state file.
	watch string

	mu  sync.Mutex
	led *ledger
}

// CreateOptions describe a new wallet.
type CreateOptions struct {
	// Network is devnet, regtest, testnet or mainnet.
	Network string
	// Mnemonic restores a BIP39 phrase. With neither Mnemonic nor WIF a
	// new 24-word phrase is generated.
	Mnemonic string
	// WIF imports a single key instead of a mnemonic.
	WIF string
	// Birthday is the first height that can hold the wallet's outputs;
	// scanning starts there.
	Birthday int64
	// OwnerKeys is how many owner keys to derive and watch (mnemonic
	// wallets); zero means one.
	OwnerKeys int
	// Passphrase, when not empty, encrypts the file (package
	// internal/seal: scrypt, then AES-256-GCM) with Scrypt's cost (zero:
	// the default).
	Passphrase []byte
	Scrypt     seal.ScryptParams
}

// Create writes a new wallet file at path (never replacing one) and opens
// it.
func Create(path string, opts CreateOptions) (*Wallet, error) {
	if opts.Mnemonic != "" && opts.WIF != "" {
		return nil, errors.New("create wallet: give a mnemonic or a WIF key, not both")
	}
	if opts.Birthday < 0 {
		return nil, fmt.Errorf("create wallet: negative birthday %d", opts.Birthday)
	}
	f := walletFile{
		Version:  fileVersion,
		Network:  opts.Network,
		Mnemonic: normalizeMnemonic(opts.Mnemonic),
		WIF:      strings.TrimSpace(opts.WIF),
		Birthday: opts.Birthday,
	}
	if f.WIF == "" {
		f.OwnerKeys = max(opts.OwnerKeys, 1)
		if f.Mnemonic == "" {
			m, err := newMnemonic()
			if err != nil {
				return nil, fmt.Errorf("create wallet: %w", err)
			}
			f.Mnemonic = m
		}
	}
	// Derive first so that a bad phrase or key never reaches the disk.
	w, err := newWallet(path, f)
	if err != nil {
		return nil, fmt.Errorf("create wallet: %w", err)
	}
	var data []byte
	if len(opts.Passphrase) > 0 {
		data, err = sealWallet(f, opts.Passphrase, opts.Scrypt)
	} else {
		data, err = json.MarshalIndent(f, "", "  ")
	}
	if err != nil {
		return nil, fmt.Errorf("create wallet: %w", err)
	}
	if err := atomicfile.Create(path, data); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create wallet %s: %w", path, ErrWalletExists)
		}
		return nil, fmt.Errorf("create wallet: %w", err)
	}
	// A state file left at this path by an earlier wallet is stale: start
	// afresh; the first save replaces it.
	w.led = newLedger(f.Birthday)
	return w, nil
}

// Open opens the plain wallet file at path and its state file.
func Open(path string) (*Wallet, error) { return OpenWith(path, nil) }

// OpenWith opens the wallet file at path, plain or encrypted, and its
// state file; passphrase is called only if the file is encrypted (nil: an
// encrypted file fails with ErrNeedPassphrase).
func OpenWith(path string, passphrase func() ([]byte, error)) (*Wallet, error) {
	f, _, err := readWalletFile(path, passphrase)
	if err != nil {
		return nil, err
	}
	w, err := newWallet(path, *f)
	if err != nil {
		return nil, fmt.Errorf("open wallet %s: %w", path, err)
	}
	if w.led, err = loadLedger(StatePath(path), f.Network, w.watch, f.Birthday); err != nil {
		return nil, err
	}
	return w, nil
}

// newWallet derives the keys of f.
func newWallet(path string, f walletFile) (*Wallet, error) {
	params, err := chain.NetworkParams(f.Network)
	if err != nil {
		return nil, err
	}
	w := &Wallet{path: path, file: f, params: params}
	switch {
	case f.Mnemonic != "" && f.WIF != "":
		return nil, errors.New("wallet holds both a mnemonic and a WIF key")
	case f.WIF != "":
		k, err := ParseWIF(f.WIF, params)
		if err != nil {
			return nil, err
		}
		w.payment, w.owners = k, []*Key{k}
	case f.Mnemonic != "":
		if f.OwnerKeys < 1 {
			return nil, fmt.Errorf("owner_keys is %d, want at least 1", f.OwnerKeys)
		}
		seed, err := seedFromMnemonic(f.Mnemonic)
		if err != nil {
			return nil, err
		}
		master, err := hdkeychain.NewMaster(seed, params)
		if err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		if w.payment, err = deriveKey(master, PaymentPath(params), params); err != nil {
			return nil, err
		}
		for i := range f.OwnerKeys {
			k, err := deriveKey(master, OwnerPath(uint32(i)), params)
			if err != nil {
				return nil, err
			}
			w.owners = append(w.owners, k)
		}
	default:
		return nil, ErrNoKeys
	}

	w.watched = map[string]*Key{string(w.payment.script): w.payment}
	for _, k := range w.owners {
		w.watched[string(k.script)] = k
	}
	scripts := make([]string, 0, len(w.watched))
	for s := range w.watched {
		scripts = append(scripts, s)
	}
	slices.Sort(scripts)
	h := sha256.New()
	for _, s := range scripts {
		h.Write([]byte(s))
	}
	binary.Write(h, binary.BigEndian, f.Birthday)
	w.watch = hex.EncodeToString(h.Sum(nil))
	return w, nil
}

// Path is the wallet file's path.
func (w *Wallet) Path() string { return w.path }

// Network is the wallet's network name (devnet, regtest, testnet, mainnet).
func (w *Wallet) Network() string { return w.file.Network }

// Params are the wallet's chain parameters.
func (w *Wallet) Params() *chaincfg.Params { return w.params }

// Mnemonic is the wallet's BIP39 phrase, empty for a WIF wallet.
func (w *Wallet) Mnemonic() string { return w.file.Mnemonic }

// Birthday is the first height the wallet scans.
func (w *Wallet) Birthday() int64 { return w.file.Birthday }

// PaymentKey is the key that funds ordinary payments.
func (w *Wallet) PaymentKey() *Key { return w.payment }

// OwnerKeys are the watched owner keys, index i at m/888'/0'/i'.
func (w *Wallet) OwnerKeys() []*Key { return slices.Clone(w.owners) }

// Height is the height scanned up to by the last Sync (birthday-1 before
// the first).
func (w *Wallet) Height() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.led.height
}

// Sync scans the backend's chain from where the last scan stopped (the
// birthday, at first) to its tip, first rewinding what a reorganisation
// removed, and settles the wallet's sent transactions (see settleSent).
// Progress is saved even when it fails part way.
func (w *Wallet) Sync(ctx context.Context, b chain.Backend) (chain.Tip, error) {
	if net := b.Params().Net; net != w.params.Net {
		return chain.Tip{}, fmt.Errorf("sync wallet: backend is on %s, wallet on %s (%s)",
			b.Params().Name, w.params.Name, w.file.Network)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s := &scanner{w: w}
	tip, err := chain.Sync(ctx, b, s, s)
	if err == nil {
		err = w.settleSent(ctx, b)
	}
	if serr := w.saveLocked(); serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return tip, fmt.Errorf("sync wallet: %w", err)
	}
	return tip, nil
}

// settleSent forgets sent transactions that no reorganisation within the
// undo window can bring back, and those that never will confirm: spent
// coins taken by another transaction, or unknown to the backend (dropped
// from its mempool), which makes their coins spendable again.
func (w *Wallet) settleSent(ctx context.Context, b chain.Backend) error {
	for txid, s := range w.led.sent {
		if s.height != 0 {
			if w.led.height-s.height >= undoDepth {
				delete(w.led.sent, txid)
			}
			continue
		}
		unspent := slices.ContainsFunc(s.tx.TxIn, func(in *wire.TxIn) bool {
			_, ok := w.led.coins[in.PreviousOutPoint]
			return ok
		})
		if !unspent {
			delete(w.led.sent, txid)
			continue
		}
		_, err := b.Transaction(ctx, txid)
		switch {
		case errors.Is(err, chain.ErrNotFound):
			delete(w.led.sent, txid)
		case err != nil:
			return fmt.Errorf("sent tx %s: %w", txid, err)
		}
	}
	return nil
}

func (w *Wallet) saveLocked() error {
	return w.led.save(StatePath(w.path), w.file.Network, w.watch)
}

// scanner lets chain.Sync drive the wallet's ledger: it is the Cursor
// (scanned height and hashes) and the Handler (connect, rewind).
type scanner struct {
	w       *Wallet
	unsaved int
}

func (s *scanner) Height() int64 { return s.w.led.height }

func (s *scanner) HashAt(height int64) (chainhash.Hash, bool, error) {
	h, ok := s.w.led.hashAt(height)
	return h, ok, nil
}

func (s *scanner) Rewind(_ context.Context, fork int64) error {
	s.w.led.rewind(fork, s.w.file.Birthday)
	return nil
}

func (s *scanner) Connect(_ context.Context, b *chain.Block) error {
	if err := s.w.led.connect(b, s.w.watched); err != nil {
		return err
	}
	if s.unsaved++; s.unsaved >= saveEvery {
		s.unsaved = 0
		return s.w.saveLocked()
	}
	return nil
}

// Balance sums a set of the wallet's coins, in satoshis.
type Balance struct {
	// Spendable are confirmed, mature coins not spent by a pending
	// transaction.
	Spendable int64
	// Immature are coinbase outputs still short of maturity.
	Immature int64
	// Locked are coins spent by the wallet's pending transactions.
	Locked int64
	// Incoming are outputs of the wallet's pending transactions that pay
	// it (change, payments between its keys): spendable once they
	// confirm.
	Incoming int64
}

// Total is everything the wallet will hold once its pending transactions
// confirm and its coinbase outputs mature.
func (b Balance) Total() int64 { return b.Spendable + b.Immature + b.Incoming }

// Balance is the balance of the whole wallet as of the last Sync.
func (w *Wallet) Balance() Balance {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, b := w.coinsLocked(func(script []byte) bool {
		_, ok := w.watched[string(script)]
		return ok
	})
	return b
}

// BalanceOf is the balance of one key's address as of the last Sync.
func (w *Wallet) BalanceOf(k *Key) Balance {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, b := w.coinsLocked(k.pays)
	return b
}

// coinsLocked returns the spendable coins whose script matches, largest
// first (ties by outpoint, so that coin selection is deterministic), and
// the balance of every coin and pending output matching.
func (w *Wallet) coinsLocked(match func(script []byte) bool) ([]coin, Balance) {
	var spendable []coin
	var b Balance
	locked := w.led.locked()
	for op, c := range w.led.coins {
		_, isLocked := locked[op]
		switch {
		case !match(c.PkScript):
		case !w.led.mature(c, w.params.CoinbaseMaturity):
			b.Immature += c.Value
		case isLocked:
			b.Locked += c.Value
		default:
			b.Spendable += c.Value
			spendable = append(spendable, c)
		}
	}
	for _, s := range w.led.sent {
		if s.height != 0 {
			continue // its outputs are coins now
		}
		for _, out := range s.tx.TxOut {
			if match(out.PkScript) {
				b.Incoming += out.Value
			}
		}
	}
	slices.SortFunc(spendable, func(x, y coin) int {
		if c := cmp.Compare(y.Value, x.Value); c != 0 {
			return c
		}
		// Of equal values the oldest first: a shallow reorganisation
		// can neither unconfirm it nor make it (a coinbase just past
		// maturity) unspendable in the block that replaces the tip.
		if c := cmp.Compare(x.Height, y.Height); c != 0 {
			return c
		}
		return compareOutPoints(x.OutPoint, y.OutPoint)
	})
	return spendable, b
}

// Coin reports whether op is an output paying one of the wallet's keys,
// confirmed and unspent as of the last Sync, and the height of its block:
// how a caller learns that a payment between its own keys has confirmed.
func (w *Wallet) Coin(op wire.OutPoint) (height int64, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.led.coins[op]
	return c.Height, ok
}
