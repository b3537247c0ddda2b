package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/seal"
	"github.com/go-blockstack/go-blockstack/wallet"
)

func newWalletCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wallet",
		Short: "Keys, addresses and bitcoin of a Blockstack user",
		Long: `wallet manages a wallet file: a BIP39 mnemonic (or one imported WIF key)
from which the owner keys (m/888'/0'/i') and the payment key
(m/44'/coin'/0'/0/0) are derived. Balances come from scanning the node's
blocks, so any node works, without a node-side wallet. The file holds the
keys unencrypted (mode 0600).`,
	}
	cmd.AddCommand(
		newWalletCreateCmd(g),
		newWalletShowCmd(g),
		newWalletBalanceCmd(g),
		newWalletSendCmd(g),
		newWalletFaucetCmd(g),
		newWalletEncryptCmd(g),
	)
	return cmd
}

func newWalletCreateCmd(g *globalFlags) *cobra.Command {
	var opts wallet.CreateOptions
	var encrypt bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a wallet file for --network, from a new or given mnemonic or a WIF key",
		Long: `create writes a new wallet file: a new mnemonic (printed once: write it
down), or the mnemonic or WIF key given. With --encrypt the file holds the
keys encrypted with a passphrase (scrypt, then AES-256-GCM), read from
--passphrase-file, $` + passphraseEnv + ` or a prompt; every command that opens the
wallet then asks for it the same way.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Network = g.network
			if encrypt {
				p, err := g.readPassphrase("the new wallet "+g.walletPath(), true)
				if err != nil {
					return err
				}
				opts.Passphrase = p
			}
			w, err := wallet.Create(g.walletPath(), opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created %s\n", w.Path())
			if opts.Mnemonic == "" && opts.WIF == "" {
				fmt.Fprintf(out, "mnemonic: %s\n", w.Mnemonic())
				fmt.Fprintln(out, "Write the mnemonic down: it is the only backup of these keys.")
			}
			return printKeys(out, w, false)
		},
	}
	f := cmd.Flags()
	// --file is the name this command had first; it sets the same path.
	f.StringVar(&g.wallet, "file", "", "wallet file (same as --wallet)")
	f.StringVar(&opts.Mnemonic, "mnemonic", "", "restore this BIP39 mnemonic instead of generating one")
	f.StringVar(&opts.WIF, "wif", "", "import this single WIF key instead of a mnemonic")
	f.Int64Var(&opts.Birthday, "birthday", 0, "first block height that can hold the wallet's outputs")
	f.IntVar(&opts.OwnerKeys, "owner-keys", 1, "owner keys to derive and watch")
	f.BoolVar(&encrypt, "encrypt", false, "encrypt the file with a passphrase")
	return cmd
}

func newWalletEncryptCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "encrypt",
		Short: "Encrypt a plain wallet file with a passphrase, in place",
		Long: `encrypt replaces the plain wallet file by one that holds the same keys
encrypted with a passphrase (scrypt, then AES-256-GCM), in one atomic step:
the file is the plain wallet or the encrypted one, never neither. The
passphrase comes from --passphrase-file, $` + passphraseEnv + ` or a prompt, and every
command that opens the wallet asks for it the same way afterwards. Copies
of the plain file made before (backups) are not touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := g.walletPath()
			p, err := g.readPassphrase("the wallet "+path, true)
			if err != nil {
				return err
			}
			if err := wallet.Encrypt(path, p, seal.DefaultScrypt); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "encrypted %s\n", path)
			return nil
		},
	}
}

func newWalletShowCmd(g *globalFlags) *cobra.Command {
	var withWIF bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the wallet's network and addresses (--wif: and each key's private key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := g.openWallet()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wallet %s\n", w.Path())
			return printKeys(cmd.OutOrStdout(), w, withWIF)
		},
	}
	cmd.Flags().BoolVar(&withWIF, "wif", false, "also print each key's private key in wallet import format (for wallet create --wif or another wallet)")
	return cmd
}

// walletKey is one of the wallet's keys as the commands list them.
type walletKey struct {
	role string
	path string
	key  *wallet.Key
}

// walletKeys lists the payment key, then the owner keys. A WIF wallet's
// single key is listed once.
func walletKeys(w *wallet.Wallet) []walletKey {
	imported := w.Mnemonic() == ""
	pathOf := func(p []uint32) string {
		if imported {
			return "imported"
		}
		return wallet.FormatPath(p)
	}
	pay := w.PaymentKey()
	keys := []walletKey{{"payment", pathOf(wallet.PaymentPath(w.Params())), pay}}
	for i, k := range w.OwnerKeys() {
		if k == pay {
			keys[0].role = "payment, owner 0"
			continue
		}
		keys = append(keys, walletKey{fmt.Sprintf("owner %d", i), pathOf(wallet.OwnerPath(uint32(i))), k})
	}
	return keys
}

// printKeys lists the wallet's keys: role, derivation path, address and,
// withWIF, the private key in wallet import format.
func printKeys(out io.Writer, w *wallet.Wallet, withWIF bool) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "network\t%s\n", w.Network())
	for _, k := range walletKeys(w) {
		fmt.Fprintf(tw, "%s\t%s\t%s", k.role, k.path, k.key.Address())
		if withWIF {
			fmt.Fprintf(tw, "\t%s", k.key.WIF())
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func newWalletBalanceCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "balance",
		Short: "Scan the node's blocks and show the wallet's balance, per address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w, err := g.openWallet()
			if err != nil {
				return err
			}
			b, err := g.openBackend(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			tip, err := w.Sync(cmd.Context(), b)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s wallet synced to height %d (%s)\n", w.Network(), tip.Height, tip.Hash)
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "key\taddress\tspendable\timmature\tlocked\tincoming\t")
			row := func(role, addr string, bal wallet.Balance) {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t\n", role, addr, bal.Spendable, bal.Immature, bal.Locked, bal.Incoming)
			}
			for _, k := range walletKeys(w) {
				row(k.role, k.key.Address().String(), w.BalanceOf(k.key))
			}
			row("total", "", w.Balance())
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(out, "amounts in satoshis; locked: spent by unconfirmed transactions of this wallet; incoming: their change")
			return nil
		},
	}
}

func newWalletSendCmd(g *globalFlags) *cobra.Command {
	var feeRate int64
	cmd := &cobra.Command{
		Use:   "send ADDRESS AMOUNT_SATS",
		Short: "Pay an address from the payment key",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			w, err := g.openWallet()
			if err != nil {
				return err
			}
			params := w.Params()
			// DecodeAddress reports another network's address as an
			// unknown type: say which network was expected.
			addr, err := btcutil.DecodeAddress(args[0], params)
			if err != nil {
				return fmt.Errorf("%q is not a %s address: %w", args[0], w.Network(), err)
			}
			if !addr.IsForNet(params) {
				return fmt.Errorf("%q is not a %s address", args[0], w.Network())
			}
			script, err := txscript.PayToAddrScript(addr)
			if err != nil {
				return fmt.Errorf("address %s: %w", args[0], err)
			}

			b, err := g.openBackend(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			if _, err = w.Sync(cmd.Context(), b); err != nil {
				return err
			}
			tx, err := w.BuildTx(wallet.TxRequest{
				From:        w.PaymentKey(),
				Outputs:     []*wire.TxOut{wire.NewTxOut(amount, script)},
				ChangeIndex: wallet.AppendChange,
				FeeRate:     feeRate,
			})
			if err != nil {
				return err
			}
			txid, err := w.Send(cmd.Context(), b, tx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "sent %s (%d bytes at %d sat/vB)\n", txid, tx.SerializeSize(), feeRate)
			return nil
		},
	}
	cmd.Flags().Int64Var(&feeRate, "fee-rate", defaultFeeRate, "fee rate in sat/vB")
	return cmd
}

func newWalletFaucetCmd(g *globalFlags) *cobra.Command {
	var (
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "faucet [AMOUNT_SATS]",
		Short: "Devnet only: have the devnet's faucet pay the wallet's payment address (default 1 BTC) and wait until a block confirms it",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount := int64(btcutil.SatoshiPerBitcoin)
			if len(args) == 1 {
				var err error
				if amount, err = parseAmount(args[0]); err != nil {
					return err
				}
			}
			w, err := g.openWallet()
			if err != nil {
				return err
			}
			b, err := g.openBackend(cmd.Context())
			if err != nil {
				return err
			}
			defer b.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			// The tip before paying: the payment is in a later block.
			var tips <-chan chain.Tip
			var paidAt int64
			if wait {
				if tips, err = b.SubscribeTips(ctx); err != nil {
					return err
				}
				paidAt = (<-tips).Height
			}
			addr := w.PaymentKey().Address().EncodeAddress()
			var txid string
			if err = b.Call(ctx, "faucet", &txid, addr, amount); err != nil {
				return fmt.Errorf("faucet at %s (is it a devnet?): %w", g, err)
			}
			if !wait {
				fmt.Fprintf(cmd.OutOrStdout(), "faucet paid %d sat to %s in %s; the next block confirms it\n", amount, addr, txid)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "faucet paid %d sat to %s in %s; waiting for a block to confirm it\n", amount, addr, txid)
			height, err := awaitTx(ctx, b, tips, paidAt+1, txid)
			if err != nil {
				return fmt.Errorf("faucet payment %s: %w (a devnet with --block-interval 0 mines only on demand: blockstack chain mine)", txid, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "confirmed in block %d: spendable now\n", height)
			return nil
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", true, "wait until a block confirms the payment")
	positiveDurationVar(cmd.Flags(), &timeout, "timeout", 10*time.Minute, "how long to wait")
	return cmd
}

// parseAmount reads a payment in satoshis: send and faucet pay no output
// that the wallet would refuse to make (below wallet.DustLimit).
func parseAmount(s string) (int64, error) {
	amount, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q is not a whole number of satoshis", s)
	}
	if amount < wallet.DustLimit {
		return 0, fmt.Errorf("amount %d sat is below the dust limit %d", amount, wallet.DustLimit)
	}
	return amount, nil
}

// awaitTx waits for txid in a block of the chain from height from on,
// reading each new tip's blocks, and returns that block's height.
func awaitTx(ctx context.Context, b chain.Backend, tips <-chan chain.Tip, from int64, txid string) (int64, error) {
	for tip := range tips {
		for ; from <= tip.Height; from++ {
			blk, err := b.BlockByHeight(ctx, from)
			if err != nil {
				return 0, err
			}
			for _, tx := range blk.Txs {
				if tx.TxHash().String() == txid {
					return from, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("not in a block: %w", context.Cause(ctx))
}
