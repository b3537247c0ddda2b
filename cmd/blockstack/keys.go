package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// The identity commands (keys, gaia, profile) act with a keychain: by
// default the wallet's mnemonic, so that identity i's key is the wallet's
// owner key i and owns the names registered with it; or, with --keychain, a
// passphrase-encrypted keychain file made by `keys new --out`.

type identityFlags struct {
	keychain string
	index    uint32
}

func addIdentityFlags(cmd *cobra.Command, f *identityFlags) {
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.keychain, "keychain", "", "encrypted keychain `FILE` (made by keys new --out) instead of the wallet's mnemonic")
	fl.Uint32Var(&f.index, "index", 0, "identity index i (key m/888'/0'/i')")
}

func (f *identityFlags) open(g globalFlags) (*keychain.Keychain, *keychain.Identity, error) {
	var kc *keychain.Keychain
	if f.keychain != "" {
		pass, err := g.readPassphrase("the keychain "+f.keychain, false)
		if err != nil {
			return nil, nil, err
		}
		if kc, err = keychain.LoadFile(f.keychain, pass); err != nil {
			return nil, nil, err
		}
		if kc.Network() != g.network {
			return nil, nil, fmt.Errorf("keychain %s is for %s, not %s", f.keychain, kc.Network(), g.network)
		}
	} else {
		w, err := g.openWallet()
		if err != nil {
			return nil, nil, err
		}
		if w.Mnemonic() == "" {
			return nil, nil, fmt.Errorf("wallet %s holds a WIF key, not a mnemonic: identities need one (or --keychain)", w.Path())
		}
		if kc, err = keychain.FromMnemonic(w.Mnemonic(), w.Network()); err != nil {
			return nil, nil, err
		}
	}
	id, err := kc.Identity(f.index)
	if err != nil {
		return nil, nil, err
	}
	return kc, id, nil
}

// identityJSON is what keys new and keys show print.
type identityJSON struct {
	Mnemonic       string `json:"mnemonic,omitempty"`
	Index          uint32 `json:"index"`
	OwnerAddress   string `json:"owner_address"`
	OwnerPublicKey string `json:"owner_public_key"`
	GaiaAddress    string `json:"gaia_address"`
	Salt           string `json:"salt"`
	PaymentAddress string `json:"payment_address"`
}

func describeIdentity(kc *keychain.Keychain, id *keychain.Identity) (identityJSON, error) {
	pay, err := kc.PaymentKey()
	if err != nil {
		return identityJSON{}, err
	}
	return identityJSON{Index: id.Index, OwnerAddress: id.Key.Address().EncodeAddress(),
		OwnerPublicKey: ecies.PublicKeyHex(id.Key.PrivKey()), GaiaAddress: id.GaiaAddress(),
		Salt: kc.Salt(), PaymentAddress: pay.Address().EncodeAddress()}, nil
}

func newKeysCmd(g *globalFlags) *cobra.Command {
	var f identityFlags
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Identity keys: make a keychain, show an identity, derive an app's key",
	}
	addIdentityFlags(cmd, &f)
	cmd.AddCommand(newKeysNewCmd(g, &f), newKeysShowCmd(g, &f), newKeysAppKeyCmd(g, &f))
	return cmd
}

func newKeysNewCmd(g *globalFlags, f *identityFlags) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Make a new keychain (BIP39 mnemonic) and print it; --out saves it encrypted with a passphrase",
		Long: `new makes a keychain from a fresh 24-word mnemonic and prints the mnemonic and
identity 0's keys as JSON. With --out FILE it also writes the keychain to FILE,
encrypted with the passphrase (--passphrase-file or $` + passphraseEnv + `; scrypt and
AES-GCM), for use with --keychain. Write the mnemonic down: it is the only
way back to the keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kc, err := keychain.New(g.network)
			if err != nil {
				return err
			}
			id, err := kc.Identity(f.index)
			if err != nil {
				return err
			}
			desc, err := describeIdentity(kc, id)
			if err != nil {
				return err
			}
			if out != "" {
				pass, err := g.readPassphrase("the new keychain "+out, true)
				if err != nil {
					return err
				}
				if _, err := os.Stat(out); err == nil {
					return fmt.Errorf("%s exists: not overwriting a keychain", out)
				}
				if err := kc.SaveFile(out, pass, keychain.DefaultScrypt); err != nil {
					return err
				}
			}
			desc.Mnemonic = kc.Mnemonic()
			return printJSON(cmd.OutOrStdout(), desc)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the keychain, encrypted, to `FILE`")
	return cmd
}

func newKeysShowCmd(g *globalFlags, f *identityFlags) *cobra.Command {
	var withMnemonic bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print identity --index's addresses and public key as JSON (--mnemonic adds the secret words)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kc, id, err := f.open(*g)
			if err != nil {
				return err
			}
			desc, err := describeIdentity(kc, id)
			if err != nil {
				return err
			}
			if withMnemonic {
				desc.Mnemonic = kc.Mnemonic()
			}
			return printJSON(cmd.OutOrStdout(), desc)
		},
	}
	cmd.Flags().BoolVar(&withMnemonic, "mnemonic", false, "print the mnemonic too")
	return cmd
}

func newKeysAppKeyCmd(g *globalFlags, f *identityFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "app-key ORIGIN",
		Short: "Print the identity's private key for the app at ORIGIN (e.g. https://notes.example), its public key and bucket address",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Another string than an app's origin gives a key no app uses.
			if err := auth.CheckOrigin(args[0]); err != nil {
				return err
			}
			_, id, err := f.open(*g)
			if err != nil {
				return err
			}
			k, err := id.AppPrivateKey(args[0])
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), map[string]string{"app_domain": args[0],
				"private_key": ecies.PrivateKeyHex(k), "public_key": ecies.PublicKeyHex(k), "address": gaiaauth.AddressFromKey(k)})
		},
	}
}
