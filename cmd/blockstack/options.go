package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/rpc"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/wallet"
)

// globalFlags are the root command's flags: which Bitcoin network and node
// (its JSON-RPC), which BNS node (its REST API) and which wallet. The
// defaults are those of a local `blockstack devnet`. newRootCmd binds them
// and hands them to every command's constructor, which reads them in its
// RunE, once cobra has parsed them; a test builds its own root.
type globalFlags struct {
	network string
	rpcAddr string
	rpcUser string
	rpcPass string
	// rpcPassFile holds the JSON-RPC password (readRPCAuth).
	rpcPassFile string
	// rpcCookie is bitcoind's .cookie file, the user and password in one
	// (readRPCAuth).
	rpcCookie string
	// configFile is the settings file (settings.go).
	configFile string
	// node is the BNS node's API URL; "" is the network's default
	// (nodeURL).
	node string
	// wallet is the wallet file; "" is the network's default (walletPath).
	wallet string
	// passphraseFile holds the passphrase of an encrypted wallet or
	// keychain (readPassphrase).
	passphraseFile string
	// caFile holds PEM certificates of CAs trusted, beside the system's,
	// by the commands' HTTPS clients (a private or test CA).
	caFile string
	// clientTLS is caFile's client configuration, made by the root's
	// hook; nil without --ca-file.
	clientTLS *tls.Config
}

// The environment variables of the addresses a devnet prints, by the
// rule of settings.go (envName), and gaia's alias of its --hub.
const (
	rpcEnv  = "BLOCKSTACK_RPC"
	nodeEnv = "BLOCKSTACK_NODE"
	hubEnv  = "BLOCKSTACK_HUB"
)

// caFileEnv is --ca-file's variable, named in errors.
const caFileEnv = "BLOCKSTACK_CA_FILE"

// passphraseEnv holds the passphrase of an encrypted wallet or keychain
// when --passphrase-file is not given.
const passphraseEnv = "BLOCKSTACK_PASSPHRASE"

const (
	defaultDevnetRPCAddr = "127.0.0.1:16443"
	defaultDevnetRPCUser = "devnet"
	defaultDevnetRPCPass = "devnet"
	// defaultAPIAddr is the devnet's API.
	defaultAPIAddr = "127.0.0.1:16270"
	// defaultNodeAPIAddr is where `blockstack node` serves its API by
	// default (its --api-addr): Blockstack Core's port.
	defaultNodeAPIAddr = "127.0.0.1:6270"
)

func addGlobalFlags(root *cobra.Command, g *globalFlags) {
	f := root.PersistentFlags()
	f.StringVar(&g.configFile, "config-file", "", "settings `FILE` (TOML): the global flags at its top, each server's in its table, [node], [devnet], [hub], [registrar], [dns] (docs/operations.md)")
	f.StringVar(&g.network, "network", "devnet", "Bitcoin network: devnet, regtest, testnet or mainnet")
	f.StringVar(&g.rpcAddr, "rpc", defaultDevnetRPCAddr, "JSON-RPC address (host:port) of btcd, bitcoind or a devnet")
	f.StringVar(&g.rpcUser, "rpc-user", defaultDevnetRPCUser, "JSON-RPC user")
	f.StringVar(&g.rpcPass, "rpc-pass", defaultDevnetRPCPass, "JSON-RPC password (better: --rpc-pass-file, --rpc-cookie or the environment, which other users cannot read)")
	secret(f, "rpc-pass")
	f.StringVar(&g.rpcPassFile, "rpc-pass-file", "", "`FILE` holding the JSON-RPC password (instead of --rpc-pass)")
	f.StringVar(&g.rpcCookie, "rpc-cookie", "", "bitcoind's cookie `FILE` (<datadir>/.cookie, user:password), read again when bitcoind rewrites it (instead of --rpc-user and --rpc-pass)")
	f.StringVar(&g.node, "node", "", "`URL` of the BNS node's REST API (default http://"+defaultAPIAddr+
		" on devnet, else http://"+defaultNodeAPIAddr+", where blockstack node serves)")
	f.StringVar(&g.wallet, "wallet", "", "wallet file (default $HOME/.blockstack/<network>/wallet.json)")
	f.StringVar(&g.caFile, "ca-file", "", "PEM `FILE` of CA certificates trusted for HTTPS beside the system's (nodes, hubs and registrars with a private CA)")
	f.StringVar(&g.passphraseFile, "passphrase-file", "", "`FILE` holding the passphrase of an encrypted wallet or keychain (without one: $"+passphraseEnv+" holds the passphrase itself, else a prompt)")
}

// String names the Bitcoin node, for errors.
func (g globalFlags) String() string {
	return fmt.Sprintf("%s node at %s", g.network, g.rpcAddr)
}

// bnsNetwork is the --network's BNS parameters (checked before any command
// runs, by the root's hook).
func (g globalFlags) bnsNetwork() (*bns.Network, error) {
	return bns.NetworkByName(g.network)
}

// localChain says whether --network is a chain on this machine.
func (g globalFlags) localChain() bool {
	return g.network == "devnet" || g.network == "regtest"
}

// rules are the BNS rules of the --network.
func (g globalFlags) rules() rules.Rules {
	if g.localChain() {
		return rules.DevnetRules
	}
	return rules.MainnetRules
}

// dataDir is the --network's state folder, ~/.blockstack/<network>.
func (g globalFlags) dataDir() string {
	return defaultDataDir(g.network)
}

// defaultDataDir is ~/.blockstack/<name>.
func defaultDataDir(name string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".blockstack", name)
	}
	return filepath.Join(home, ".blockstack", name)
}

// dialTimeout bounds the first contact with the node: the RPC client
// itself retries a refused connection for about 22 s before it says so.
const dialTimeout = 2 * time.Second

// openBackend connects to the Bitcoin node the flags name. The caller
// closes it.
func (g globalFlags) openBackend(ctx context.Context) (*rpc.Client, error) {
	params, err := chain.NetworkParams(g.network)
	if err != nil {
		return nil, err
	}
	conn, err := (&net.Dialer{Timeout: dialTimeout}).DialContext(ctx, "tcp", g.rpcAddr)
	if err != nil {
		return nil, g.noNodeError(err)
	}
	conn.Close()
	cfg := rpc.Config{Host: g.rpcAddr, User: g.rpcUser, Pass: g.rpcPass, Params: params}
	if g.rpcCookie != "" {
		// rpcclient reads the cookie, and again once bitcoind rewrites it
		// at a restart, when user and password are empty.
		if _, serr := os.Stat(g.rpcCookie); serr != nil {
			return nil, fmt.Errorf("--rpc-cookie: %w (bitcoind writes it in its data folder while it runs)", serr)
		}
		cfg.User, cfg.Pass, cfg.CookiePath = "", "", g.rpcCookie
	}
	c, err := rpc.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g, err)
	}
	if err := c.CheckNetwork(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", g, err)
	}
	return c, nil
}

// noNodeError says that no node answers at --rpc, and how to get one.
func (g globalFlags) noNodeError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err // the address is said once, below
	}
	start := "start one with: blockstack devnet"
	if g.network != "devnet" {
		start = "start btcd or bitcoind with its JSON-RPC on"
	}
	return fmt.Errorf("no %s node at %s (--rpc or $%s): %v; %s", g.network, g.rpcAddr, rpcEnv, err, start)
}

// nodeURL is --node, or where the network's node serves by default.
func (g globalFlags) nodeURL() string {
	switch {
	case g.node != "":
		return g.node
	case g.network == "devnet":
		return "http://" + defaultAPIAddr
	default:
		return "http://" + defaultNodeAPIAddr
	}
}

// openNode is a client of the BNS node's API.
func (g globalFlags) openNode() (*apiclient.Client, error) {
	return g.openNodeAt(g.nodeURL())
}

// openNodeAt is a client of the BNS node's API at url.
func (g globalFlags) openNodeAt(url string) (*apiclient.Client, error) {
	return apiclient.New(url, g.httpClient(apiclient.Timeout))
}

// httpClient is the client of the commands' HTTP requests, each bounded
// by timeout (0: by its context alone): nil, each package's default,
// unless --ca-file adds roots.
func (g globalFlags) httpClient(timeout time.Duration) *http.Client {
	if g.clientTLS == nil {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = g.clientTLS
	return &http.Client{Transport: tr, Timeout: timeout}
}

// walletPath is --wallet, or the network's default wallet file.
func (g globalFlags) walletPath() string {
	if g.wallet != "" {
		return g.wallet
	}
	return filepath.Join(g.dataDir(), "wallet.json")
}

func (g globalFlags) openWallet() (*wallet.Wallet, error) {
	path := g.walletPath()
	w, err := wallet.OpenWith(path, func() ([]byte, error) { return g.readPassphrase("the wallet "+path, false) })
	if errors.Is(err, wallet.ErrNoWallet) {
		return nil, fmt.Errorf("%w (create one with `blockstack wallet create`)", err)
	}
	return w, err
}

// openNetworkWallet opens the wallet and refuses one of another network.
func (g globalFlags) openNetworkWallet() (*wallet.Wallet, error) {
	w, err := g.openWallet()
	if err != nil {
		return nil, err
	}
	if w.Network() != g.network {
		return nil, fmt.Errorf("wallet %s is for %s, not %s", w.Path(), w.Network(), g.network)
	}
	return w, nil
}

// parseAddress reads an address of the --network.
func (g globalFlags) parseAddress(s string) (btcutil.Address, error) {
	n, err := g.bnsNetwork()
	if err != nil {
		return nil, err
	}
	addr, err := btcutil.DecodeAddress(s, n.Params)
	if err != nil || !addr.IsForNet(n.Params) {
		return nil, fmt.Errorf("%q is not a %s address", s, n.Name)
	}
	return addr, nil
}

// readPassphrase reads the passphrase of what (an encrypted wallet or
// keychain): from --passphrase-file, else $BLOCKSTACK_PASSPHRASE, else a
// prompt on the terminal (twice when confirm, for a new one); never from
// the command line, where other users and the shell's history see it.
func (g globalFlags) readPassphrase(what string, confirm bool) ([]byte, error) {
	if g.passphraseFile != "" {
		data, err := os.ReadFile(g.passphraseFile)
		if err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		if p := bytes.TrimRight(data, "\r\n"); len(p) > 0 {
			return p, nil
		}
		return nil, fmt.Errorf("passphrase: %s is empty", g.passphraseFile)
	}
	if p := os.Getenv(passphraseEnv); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("%s needs a passphrase: --passphrase-file FILE, $%s, or run the command in a terminal", what, passphraseEnv)
	}
	fmt.Fprintf(os.Stderr, "passphrase of %s: ", what)
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, errors.New("passphrase: empty")
	}
	if confirm {
		fmt.Fprintf(os.Stderr, "again: ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("passphrase: the two differ")
		}
	}
	return p, nil
}

// readRPCAuth settles the JSON-RPC credentials once every source has set
// the flags (fs): --rpc-pass-file's content is the password, and
// --rpc-cookie stands for user and password both, so a flag that also
// gives one is refused rather than silently ignored.
func (g *globalFlags) readRPCAuth(fs *pflag.FlagSet) error {
	if g.rpcCookie != "" {
		for _, name := range []string{"rpc-user", "rpc-pass", "rpc-pass-file"} {
			if fs.Changed(name) {
				return fmt.Errorf("--rpc-cookie gives the JSON-RPC user and password: drop --%s (from the command line, the environment or the settings file)", name)
			}
		}
		return nil
	}
	if g.rpcPassFile == "" {
		return nil
	}
	if fs.Changed("rpc-pass") {
		return errors.New("--rpc-pass and --rpc-pass-file are both set (from the command line, the environment or the settings file): give one")
	}
	data, err := os.ReadFile(g.rpcPassFile)
	if err != nil {
		return fmt.Errorf("--rpc-pass-file: %w", err)
	}
	if g.rpcPass = string(bytes.TrimRight(data, "\r\n")); g.rpcPass == "" {
		return fmt.Errorf("--rpc-pass-file: %s is empty", g.rpcPassFile)
	}
	return nil
}
