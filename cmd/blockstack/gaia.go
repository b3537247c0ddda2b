package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/client/auth"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/storage"
)

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

func (f *hubFlags) hubURL(g globalFlags) (string, error) {
	switch {
	case f.hub != "":
		return strings.TrimSuffix(f.hub, "/"), nil
	case g.network == "devnet":
		return "http://" + defaultDevnetHubAddr, nil
	default:
		return "", fmt.Errorf("--hub URL is needed on %s", g.network)
	}
}

// connect opens the bucket: the app key's for --app, else the identity
// key's (where profile.json lives).
func (f *hubFlags) connect(ctx context.Context, g globalFlags) (*storage.Hub, *keychain.Identity, error) {
	if f.app != "" {
		if err := auth.CheckOrigin(f.app); err != nil {
			return nil, nil, fmt.Errorf("--app: %w", err)
		}
	}
	_, id, err := f.open(g)
	if err != nil {
		return nil, nil, err
	}
	url, err := f.hubURL(g)
	if err != nil {
		return nil, nil, err
	}
	key := id.Key.PrivKey()
	if f.app != "" {
		if key, err = id.AppPrivateKey(f.app); err != nil {
			return nil, nil, err
		}
	}
	h, err := storage.Connect(ctx, storage.Config{HubURL: url, AppKey: key, HTTPClient: g.httpClient(0)})
	if err != nil {
		return nil, nil, err
	}
	return h, id, nil
}

func newGaiaCmd(g *globalFlags) *cobra.Command {
	var f hubFlags
	cmd := &cobra.Command{
		Use:   "gaia",
		Short: "Read and write files in a Gaia bucket (the identity's, or its bucket for --app)",
	}
	f.add(cmd)
	cmd.PersistentFlags().StringVar(&f.app, "app", "", "act in the identity's bucket for the app at `ORIGIN` (default: the identity's own bucket)")
	cmd.AddCommand(newGaiaPutCmd(g, &f), newGaiaGetCmd(g, &f), newGaiaLsCmd(g, &f), newGaiaRmCmd(g, &f), newGaiaDumpCmd(g, &f), newGaiaRestoreCmd(g, &f), newGaiaMigrateCmd(g, &f))
	return cmd
}

func newGaiaPutCmd(g *globalFlags, f *hubFlags) *cobra.Command {
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
			h, _, err := f.connect(cmd.Context(), *g)
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

func newGaiaGetCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	var decrypt, verify bool
	var from, out string
	var trust trustFlags
	cmd := &cobra.Command{
		Use:   "get PATH",
		Short: "Print the file at PATH in the bucket, or in NAME's bucket for --app with --from NAME; --decrypt, --verify",
		Long: `get reads a file. With --from NAME it follows NAME's lookup path (zone file,
profile signed by the name's owner) to the bucket NAME's profile lists for
--app, and reads the file there; with --trust or --trust-nodes the name's
record is proved too, so that no step takes the node's word. --verify checks
its signature against that
bucket's address (inside the envelope for encrypted files, else PATH.sig);
--decrypt decrypts it with this identity's key for --app (the writer must have
encrypted to it, with put --encrypt-to).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			h, _, err := f.connect(ctx, *g)
			if err != nil {
				return err
			}
			bucket := ""
			if from != "" {
				if bucket, err = appBucketOf(cmd, *g, &trust, from, f.app); err != nil {
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
	addTrustFlags(cmd, &trust)
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
// app (with trust set, from the name's proved record: resolveName).
func appBucketOf(cmd *cobra.Command, g globalFlags, trust *trustFlags, name, app string) (string, error) {
	if app == "" {
		return "", errors.New("--from NAME needs --app ORIGIN: a profile lists buckets per app")
	}
	if err := auth.CheckOrigin(app); err != nil {
		return "", err
	}
	res, err := resolveName(cmd, g, trust, name)
	if err != nil {
		return "", err
	}
	bucket, ok := res.AppBucket(app)
	if !ok {
		return "", fmt.Errorf("%s's profile lists no bucket for %s", name, app)
	}
	return bucket, nil
}

func newGaiaLsCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "List the bucket's files, one a line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, _, err := f.connect(cmd.Context(), *g)
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

func newGaiaRmCmd(g *globalFlags, f *hubFlags) *cobra.Command {
	var signed bool
	cmd := &cobra.Command{
		Use:   "rm PATH",
		Short: "Delete the file at PATH (--sign: and its PATH.sig)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, _, err := f.connect(cmd.Context(), *g)
			if err != nil {
				return err
			}
			return h.DeleteFile(cmd.Context(), args[0], signed)
		},
	}
	cmd.Flags().BoolVar(&signed, "sign", false, "the file was written with put --sign (unencrypted): delete PATH.sig too")
	return cmd
}
