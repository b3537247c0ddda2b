package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/lookup"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/nameop"
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

func (f *identityFlags) open() (*keychain.Keychain, *keychain.Identity, error) {
	var kc *keychain.Keychain
	if f.keychain != "" {
		pass, err := readPassphrase("the keychain "+f.keychain, false)
		if err != nil {
			return nil, nil, err
		}
		if kc, err = keychain.LoadFile(f.keychain, pass); err != nil {
			return nil, nil, err
		}
		if kc.Network() != backendOpts.network {
			return nil, nil, fmt.Errorf("keychain %s is for %s, not %s", f.keychain, kc.Network(), backendOpts.network)
		}
	} else {
		w, err := openWallet()
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

func newKeysCmd() *cobra.Command {
	var f identityFlags
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Identity keys: make a keychain, show an identity, derive an app's key",
	}
	addIdentityFlags(cmd, &f)
	cmd.AddCommand(newKeysNewCmd(&f), newKeysShowCmd(&f), newKeysAppKeyCmd(&f))
	return cmd
}

func newKeysNewCmd(f *identityFlags) *cobra.Command {
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
			kc, err := keychain.New(backendOpts.network)
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
				pass, err := readPassphrase("the new keychain "+out, true)
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

func newKeysShowCmd(f *identityFlags) *cobra.Command {
	var withMnemonic bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print identity --index's addresses and public key as JSON (--mnemonic adds the secret words)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kc, id, err := f.open()
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

func newKeysAppKeyCmd(f *identityFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "app-key ORIGIN",
		Short: "Print the identity's private key for the app at ORIGIN (e.g. https://notes.example), its public key and bucket address",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Another string than an app's origin gives a key no app uses.
			if err := auth.CheckOrigin(args[0]); err != nil {
				return err
			}
			_, id, err := f.open()
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

// hubFlags choose the Gaia hub and the bucket (the identity's own, or its
// bucket for an app) that gaia and profile commands write.
type hubFlags struct {
	identityFlags
	hub string
	app string
}

// add registers the identity flags and --hub (not --app: the commands
// that take it say what it means to them).
func (f *hubFlags) add(cmd *cobra.Command) {
	addIdentityFlags(cmd, &f.identityFlags)
	cmd.PersistentFlags().StringVar(&f.hub, "hub", "", "`URL` of the Gaia hub (default http://"+defaultDevnetHubAddr+" on devnet)")
	fromEnv(cmd.PersistentFlags(), "hub", hubEnv)
}

func (f *hubFlags) hubURL() (string, error) {
	switch {
	case f.hub != "":
		return strings.TrimSuffix(f.hub, "/"), nil
	case backendOpts.network == "devnet":
		return "http://" + defaultDevnetHubAddr, nil
	default:
		return "", fmt.Errorf("--hub URL is needed on %s", backendOpts.network)
	}
}

// connect opens the bucket: the app key's for --app, else the identity
// key's (where profile.json lives).
func (f *hubFlags) connect(ctx context.Context) (*storage.Hub, *keychain.Identity, error) {
	if f.app != "" {
		if err := auth.CheckOrigin(f.app); err != nil {
			return nil, nil, fmt.Errorf("--app: %w", err)
		}
	}
	_, id, err := f.open()
	if err != nil {
		return nil, nil, err
	}
	url, err := f.hubURL()
	if err != nil {
		return nil, nil, err
	}
	key := id.Key.PrivKey()
	if f.app != "" {
		if key, err = id.AppPrivateKey(f.app); err != nil {
			return nil, nil, err
		}
	}
	h, err := storage.Connect(ctx, storage.Config{HubURL: url, AppKey: key})
	if err != nil {
		return nil, nil, err
	}
	return h, id, nil
}

func newGaiaCmd() *cobra.Command {
	var f hubFlags
	cmd := &cobra.Command{
		Use:   "gaia",
		Short: "Read and write files in a Gaia bucket (the identity's, or its bucket for --app)",
	}
	f.add(cmd)
	cmd.PersistentFlags().StringVar(&f.app, "app", "", "act in the identity's bucket for the app at `ORIGIN` (default: the identity's own bucket)")
	cmd.AddCommand(newGaiaPutCmd(&f), newGaiaGetCmd(&f), newGaiaLsCmd(&f), newGaiaRmCmd(&f), newGaiaDumpCmd(&f), newGaiaRestoreCmd(&f))
	return cmd
}

func newGaiaPutCmd(f *hubFlags) *cobra.Command {
	var encrypt, sign, progress bool
	var encryptTo string
	cmd := &cobra.Command{
		Use:   "put LOCAL_FILE PATH",
		Short: "Write LOCAL_FILE (- for stdin) at PATH in the bucket; --encrypt, --sign",
		Long: `put writes a file to the bucket. --encrypt encrypts it (ECIES, as
@stacks/storage) to the bucket's own key, or to --encrypt-to PUBKEY (another
reader's app public key, from their keys app-key); --sign signs it with the
bucket's key (inside the envelope when encrypting, else in PATH.sig). It
prints the file's read URL.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := storage.PutOptions{Encrypt: encrypt || encryptTo != "", Sign: sign}
			if encryptTo != "" {
				var err error
				if opts.EncryptTo, _, err = ecies.ParsePublicKey(encryptTo); err != nil {
					return fmt.Errorf("--encrypt-to: %w", err)
				}
			}
			if progress {
				opts.Progress = progressTo(cmd.ErrOrStderr())
			}
			h, _, err := f.connect(cmd.Context())
			if err != nil {
				return err
			}
			url, err := putLocal(cmd, h, args[0], args[1], opts)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), url)
			return err
		},
	}
	cmd.Flags().BoolVar(&encrypt, "encrypt", false, "encrypt to the bucket's key")
	cmd.Flags().StringVar(&encryptTo, "encrypt-to", "", "encrypt to this public key (hex) instead")
	cmd.Flags().BoolVar(&sign, "sign", false, "sign with the bucket's key")
	cmd.Flags().BoolVar(&progress, "progress", false, "show the upload's progress on stderr")
	return cmd
}

// putLocal uploads the local file (- for stdin) to path and returns its
// read URL. Each branch returns its own error: an outer error variable
// shadowed by one of them once made a failed upload exit 0.
func putLocal(cmd *cobra.Command, h *storage.Hub, local, path string, opts storage.PutOptions) (string, error) {
	if local == "-" || opts.Encrypt {
		data, err := readInput(cmd, local)
		if err != nil {
			return "", err
		}
		return h.PutFile(cmd.Context(), path, data, opts)
	}
	// A plain file streams from the disk.
	file, err := os.Open(local)
	if err != nil {
		return "", err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return "", err
	}
	return h.PutFileFrom(cmd.Context(), path, file, fi.Size(), opts)
}

// progressTo reports an upload's progress on w, one line rewritten in
// place, at most at every whole percent.
func progressTo(w io.Writer) func(sent, total int64) {
	last := int64(-1)
	return func(sent, total int64) {
		pct := int64(100)
		if total > 0 {
			pct = sent * 100 / total
		}
		if pct == last {
			return
		}
		last = pct
		fmt.Fprintf(w, "\rsent %d of %d bytes (%d%%)", sent, total, pct)
		if sent == total {
			fmt.Fprintln(w)
		}
	}
}

func readInput(cmd *cobra.Command, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(path)
}

func newGaiaGetCmd(f *hubFlags) *cobra.Command {
	var decrypt, verify bool
	var from, out string
	cmd := &cobra.Command{
		Use:   "get PATH",
		Short: "Print the file at PATH in the bucket, or in NAME's bucket for --app with --from NAME; --decrypt, --verify",
		Long: `get reads a file. With --from NAME it follows NAME's lookup path (zone file,
profile signed by the name's owner) to the bucket NAME's profile lists for
--app, and reads the file there. --verify checks its signature against that
bucket's address (inside the envelope for encrypted files, else PATH.sig);
--decrypt decrypts it with this identity's key for --app (the writer must have
encrypted to it, with put --encrypt-to).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			h, _, err := f.connect(ctx)
			if err != nil {
				return err
			}
			bucket := ""
			if from != "" {
				if bucket, err = appBucketOf(ctx, from, f.app); err != nil {
					return err
				}
			}
			if out != "" && !decrypt {
				return streamTo(out, func(w io.Writer) (int64, error) {
					return h.GetFileTo(ctx, bucket, args[0], w, verify)
				})
			}
			opts := storage.GetOptions{Decrypt: decrypt, Verify: verify, Unverified: func() {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is signed; its signature was not checked (--verify checks it)\n", args[0])
			}}
			data, err := getData(ctx, h, bucket, args[0], opts)
			if err != nil {
				return err
			}
			if out != "" {
				return os.WriteFile(out, data, 0o600)
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.Flags().BoolVar(&decrypt, "decrypt", false, "decrypt with the bucket's key")
	cmd.Flags().BoolVar(&verify, "verify", false, "check the file's signature against the bucket's address")
	cmd.Flags().StringVar(&from, "from", "", "read from the --app bucket of the BNS `NAME`")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` instead of stdout")
	return cmd
}

// getData reads path from the bucket at bucketURL, or from this hub's own
// bucket if it is "".
func getData(ctx context.Context, h *storage.Hub, bucketURL, path string, opts storage.GetOptions) ([]byte, error) {
	if bucketURL != "" {
		data, _, err := h.GetFileFrom(ctx, bucketURL, path, opts)
		return data, err
	}
	data, _, err := h.GetFile(ctx, path, opts)
	return data, err
}

// streamTo writes path through fill, into a temporary file renamed into
// place only if fill succeeds (a file whose signature fails is not left
// behind).
func streamTo(path string, fill func(io.Writer) (int64, error)) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// appBucketOf resolves name to the bucket its verified profile lists for
// app.
func appBucketOf(ctx context.Context, name, app string) (string, error) {
	if app == "" {
		return "", errors.New("--from NAME needs --app ORIGIN: a profile lists buckets per app")
	}
	if err := auth.CheckOrigin(app); err != nil {
		return "", err
	}
	if err := validLookupName(name); err != nil {
		return "", err
	}
	node, err := openNode()
	if err != nil {
		return "", err
	}
	res, err := lookup.Resolve(ctx, node, nil, name)
	if err != nil {
		return "", err
	}
	bucket, ok := res.AppBucket(app)
	if !ok {
		return "", fmt.Errorf("%s's profile lists no bucket for %s", name, app)
	}
	return bucket, nil
}

func newGaiaLsCmd(f *hubFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "List the bucket's files, one a line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, _, err := f.connect(cmd.Context())
			if err != nil {
				return err
			}
			_, err = h.ListFiles(cmd.Context(), func(name string) bool {
				fmt.Fprintln(cmd.OutOrStdout(), name)
				return true
			})
			return err
		},
	}
}

func newGaiaRmCmd(f *hubFlags) *cobra.Command {
	var signed bool
	cmd := &cobra.Command{
		Use:   "rm PATH",
		Short: "Delete the file at PATH (--sign: and its PATH.sig)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := f.connect(cmd.Context())
			if err != nil {
				return err
			}
			return h.DeleteFile(cmd.Context(), args[0], signed)
		},
	}
	cmd.Flags().BoolVar(&signed, "sign", false, "the file was written with put --sign (unencrypted): delete PATH.sig too")
	return cmd
}

func newProfileCmd() *cobra.Command {
	var f hubFlags
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Publish and show signed profiles",
	}
	f.add(cmd)
	cmd.AddCommand(newProfilePublishCmd(&f), newProfileShowCmd())
	return cmd
}

func newProfilePublishCmd(f *hubFlags) *cobra.Command {
	var (
		o        opFlags
		person   string
		apps     []string
		noUpdate bool
	)
	cmd := &cobra.Command{
		Use:   "publish NAME",
		Short: "Sign the identity's profile, write it to its bucket, and point NAME's zone file at it",
		Long: `publish signs a profile (the JSON Person in --person FILE, or an empty one)
with the identity key, lists each --app ORIGIN with the identity's bucket for
that app (so that others can find the app's files through NAME), writes
profile.json to the identity's bucket on the hub, and, unless --no-update or
NAME's zone file already points there, updates NAME (NAME_UPDATE from its
owner key, which must be this identity's) with a zone file whose _http._tcp
record is the profile's URL.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := bns.ValidName(name); err != nil {
				return err
			}
			for _, app := range apps {
				if err := auth.CheckOrigin(app); err != nil {
					return fmt.Errorf("--app: %w", err)
				}
			}
			p := profile.NewPerson()
			if person != "" {
				data, err := os.ReadFile(person)
				if err != nil {
					return err
				}
				if err := json.Unmarshal(data, &p); err != nil {
					return fmt.Errorf("--person %s: %w", person, err)
				}
				if p == nil {
					return fmt.Errorf("--person %s: null, want a JSON object", person)
				}
			}
			h, id, err := f.connect(cmd.Context())
			if err != nil {
				return err
			}
			prefix := h.Info().ReadURLPrefix
			file, err := profileFile(p, id, prefix, apps)
			if err != nil {
				return err
			}
			if _, err = h.PutFile(cmd.Context(), profile.FileName, file,
				storage.PutOptions{ContentType: "application/json", IgnoreETag: true}); err != nil {
				return err
			}
			url := profile.URL(prefix, h.Address())
			fmt.Fprintf(cmd.OutOrStdout(), "profile: %s\n", url)
			if noUpdate {
				return nil
			}
			zf, err := profile.ZoneFile(name, url)
			if err != nil {
				return err
			}
			return withRunner(cmd, &o, func(ctx context.Context, r *nameop.Runner) error {
				if current, err := r.Node.NameZonefile(ctx, name); err == nil && current == string(zf) {
					fmt.Fprintf(cmd.OutOrStdout(), "%s already points to it\n", name)
					return nil
				}
				if err := r.Update(ctx, name, zf); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "updated %s\n", name)
				return nil
			})
		},
	}
	addOpFlags(cmd, &o)
	cmd.Flags().StringVar(&person, "person", "", "JSON `FILE` with the schema.org Person to publish (default: an empty one)")
	cmd.Flags().StringArrayVar(&apps, "app", nil, "list the identity's bucket for the app at `ORIGIN` (repeatable)")
	cmd.Flags().BoolVar(&noUpdate, "no-update", false, "write profile.json only; do not update NAME's zone file")
	return cmd
}

// profileFile lists the identity's bucket for each of apps in p, signs it
// with the identity key and returns the content of its profile.json.
func profileFile(p profile.Person, id *keychain.Identity, prefix string, apps []string) ([]byte, error) {
	for _, app := range apps {
		k, err := id.AppPrivateKey(app)
		if err != nil {
			return nil, err
		}
		p.SetApp(app, prefix+gaiaauth.AddressFromKey(k)+"/", ecies.PublicKeyHex(k))
	}
	token, err := profile.Sign(p, id.Key.PrivKey(), time.Now(), time.Time{})
	if err != nil {
		return nil, err
	}
	return profile.MakeFile(token)
}

func newProfileShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Print NAME's profile, verified against its owner, as JSON (lookup --profile)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return printProfile(cmd, args[0])
		},
	}
}

// printProfile follows name's lookup path and prints the verified profile.
func printProfile(cmd *cobra.Command, name string) error {
	if err := validLookupName(name); err != nil {
		return err
	}
	node, err := openReadNode(cmd)
	if err != nil {
		return err
	}
	res, err := lookup.Resolve(cmd.Context(), node, nil, name)
	if err != nil {
		return err
	}
	return printJSON(cmd.OutOrStdout(), map[string]any{"name": name, "owner": res.Owner,
		"profile_url": res.ProfileURL, "profile": res.Profile.Claim})
}
