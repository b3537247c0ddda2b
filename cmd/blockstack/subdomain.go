package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/registrar"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/wallet"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// subdomainTimeout bounds each subdomain command's requests.
const subdomainTimeout = 30 * time.Second

func newSubdomainCmd(g *globalFlags) *cobra.Command {
	var regURL string
	cmd := &cobra.Command{
		Use:   "subdomain",
		Short: "Register, update and transfer subdomains (alice.foo.id) through their domain's registrar",
		Long: `subdomain sends signed requests to a subdomain registrar (blockstack
registrar), which anchors them in its domain's zone files. Requests are
signed with the wallet's owner keys: a registration by the new owner, an
update or a transfer by the current one. --registrar defaults to the
_resolver URI of the domain's zone file, read from the node (--node).`,
	}
	cmd.PersistentFlags().StringVar(&regURL, "registrar", "", "`URL` of the domain's registrar (default: the _resolver URI in the domain's zone file)")
	cmd.AddCommand(newSubdomainRegisterCmd(g, &regURL), newSubdomainTransferCmd(g, &regURL), newSubdomainUpdateCmd(g, &regURL),
		newSubdomainStatusCmd(g, &regURL))
	return cmd
}

func newSubdomainRegisterCmd(g *globalFlags, regURL *string) *cobra.Command {
	var owner, zonefilePath string
	cmd := &cobra.Command{
		Use:   "register FQN",
		Short: "Ask the registrar to register a subdomain to an owner key of the wallet",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			zf, err := readZonefile(zonefilePath)
			if err != nil {
				return err
			}
			return withSubdomain(cmd, *g, *regURL, args[0], func(ctx context.Context, c *registrar.Client, w *wallet.Wallet) error {
				k, err := walletOwnerKey(w, owner)
				if err != nil {
					return err
				}
				req, err := registrar.SignRegistration(args[0], k.Address().EncodeAddress(), zf, subdomainKey(k))
				if err != nil {
					return err
				}
				a, err := c.Register(ctx, req)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "queued the registration of %s to %s at %s (request %d): %s\n", a.Name, req.OwnerAddress, c.URL(), a.ID, a.Message)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&owner, "owner", "", "owner address: one of the wallet's owner keys (default: the first)")
	cmd.Flags().StringVar(&zonefilePath, "zonefile", "", "the subdomain's zone file")
	return cmd
}

func newSubdomainTransferCmd(g *globalFlags, regURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "transfer FQN NEW_ADDRESS",
		Short: "Give a subdomain to another address, signed by its current owner key in the wallet",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := g.parseAddress(args[1])
			if err != nil {
				return err
			}
			return reportQueued(cmd, args[0])(submitRecord(cmd, *g, *regURL, registrar.KindTransfer, args[0], func(cur *registrar.NameRecord) (string, []byte) {
				return to.EncodeAddress(), []byte(cur.Zonefile)
			}))
		},
	}
}

func newSubdomainUpdateCmd(g *globalFlags, regURL *string) *cobra.Command {
	var zonefilePath string
	cmd := &cobra.Command{
		Use:   "update FQN --zonefile FILE",
		Short: "Set a subdomain's zone file, signed by its owner key in the wallet",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			zf, err := readZonefile(zonefilePath)
			if err != nil {
				return err
			}
			return reportQueued(cmd, args[0])(submitRecord(cmd, *g, *regURL, registrar.KindUpdate, args[0], func(cur *registrar.NameRecord) (string, []byte) {
				return cur.Address, zf
			}))
		},
	}
	cmd.Flags().StringVar(&zonefilePath, "zonefile", "", "the subdomain's new zone file")
	cmd.MarkFlagRequired("zonefile")
	return cmd
}

// submitRecord signs and sends the record after fqn's newest one: seqn +
// 1, the owner and zone file next gives, signed by the current owner's
// key; it sends nothing (queued false) when they are the newest record's
// already. The newest record is the registrar's (pending requests
// included), or the node's for a subdomain the registrar never handled.
func submitRecord(cmd *cobra.Command, g globalFlags, regURL string, kind registrar.Kind, fqn string,
	next func(cur *registrar.NameRecord) (owner string, zf []byte)) (bool, error) {
	queued := false
	err := withSubdomain(cmd, g, regURL, fqn, func(ctx context.Context, c *registrar.Client, w *wallet.Wallet) error {
		cur, err := currentRecord(ctx, g, c, fqn)
		if err != nil {
			return err
		}
		k, err := walletOwnerKey(w, cur.Address)
		if err != nil {
			return fmt.Errorf("%s is owned by %s: %w", fqn, cur.Address, err)
		}
		owner, zf := next(cur)
		if owner == cur.Address && string(zf) == cur.Zonefile {
			return nil
		}
		queued = true
		req, err := registrar.SignRecord(fqn, owner, cur.Sequence+1, zf, subdomainKey(k))
		if err != nil {
			return err
		}
		a, err := c.Submit(ctx, kind, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "queued the %s of %s (seqn %d, owner %s) at %s (request %d)\n", kind, a.Name, req.Sequence, owner, c.URL(), a.ID)
		return nil
	})
	return queued, err
}

// reportQueued says so when submitRecord had nothing to send.
func reportQueued(cmd *cobra.Command, fqn string) func(queued bool, err error) error {
	return func(queued bool, err error) error {
		if err == nil && !queued {
			fmt.Fprintf(cmd.OutOrStdout(), "%s already has that owner and zone file: nothing sent\n", fqn)
		}
		return err
	}
}

func newSubdomainStatusCmd(g *globalFlags, regURL *string) *cobra.Command {
	return &cobra.Command{
		Use:   "status FQN",
		Short: "Show where a subdomain's newest request stands at the registrar, and its record there",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), subdomainTimeout)
			defer cancel()
			c, err := openRegistrarClient(ctx, *g, *regURL, args[0])
			if err != nil {
				return err
			}
			st, err := c.Status(ctx, args[0])
			if err != nil {
				return err
			}
			out := map[string]any{"registrar": c.URL(), "status": st}
			// Unknown at the registrar or not yet at the node leaves its
			// entry out; any other failure is said.
			rec, err := c.Name(ctx, args[0])
			switch {
			case err == nil:
				out["record"] = rec
			case !errors.Is(err, registrar.ErrUnknown):
				return fmt.Errorf("the record of %s at the registrar: %w", args[0], err)
			}
			// What the node resolves: the record once confirmed and indexed.
			node, err := g.openNode()
			if err != nil {
				return err
			}
			indexed, err := node.Subdomain(ctx, args[0])
			switch {
			case err == nil:
				out["node"] = indexed
			case !errors.Is(err, apiclient.ErrNotFound):
				return fmt.Errorf("the record of %s at the node: %w", args[0], err)
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
}

// currentRecord is fqn's newest record: the registrar's, or the node's.
func currentRecord(ctx context.Context, g globalFlags, c *registrar.Client, fqn string) (*registrar.NameRecord, error) {
	cur, err := c.Name(ctx, fqn)
	if err == nil {
		return cur, nil
	}
	if !errors.Is(err, registrar.ErrUnknown) {
		return nil, fmt.Errorf("the current record of %s at the registrar: %w", fqn, err)
	}
	node, err := g.openNode()
	if err != nil {
		return nil, err
	}
	s, err := node.Subdomain(ctx, fqn)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil, fmt.Errorf("%s is neither registered nor queued at %s", fqn, c.URL())
	}
	if err != nil {
		return nil, fmt.Errorf("the current record of %s at the node: %w", fqn, err)
	}
	return &registrar.NameRecord{Status: s.Status, Address: s.Address, Sequence: s.Seq, Domain: s.Domain,
		LastTxid: s.LastTxid, Zonefile: s.Zonefile, ZonefileHash: s.ZonefileHash}, nil
}

// withSubdomain opens the wallet and fqn's registrar and runs fn within
// the commands' timeout.
func withSubdomain(cmd *cobra.Command, g globalFlags, regURL, fqn string, fn func(context.Context, *registrar.Client, *wallet.Wallet) error) error {
	// The name first: the signature covers it as written, so a name the
	// registrar would refuse must fail here, before anything is asked.
	domain, err := subdomainDomain(fqn)
	if err != nil {
		return err
	}
	if _, _, err = registrar.SplitName(fqn, domain); err != nil {
		return err
	}
	w, err := g.openNetworkWallet()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), subdomainTimeout)
	defer cancel()
	c, err := openRegistrarClient(ctx, g, regURL, fqn)
	if err != nil {
		return err
	}
	c.Waiting = func(d time.Duration) {
		fmt.Fprintf(cmd.ErrOrStderr(), "the registrar is busy (429 Too Many Requests): trying again in %s\n", d)
	}
	return fn(ctx, c, w)
}

// subdomainDomain is the domain of a subdomain's name (label.name.namespace).
func subdomainDomain(fqn string) (string, error) {
	label, domain, ok := strings.Cut(fqn, ".")
	if !ok || label == "" || bns.ValidName(domain) != nil {
		return "", fmt.Errorf("%q is not a subdomain (label.name.namespace)", fqn)
	}
	return domain, nil
}

// openRegistrarClient returns a client of regURL or, if it is "", of the
// _resolver URI in the zone file of fqn's domain.
func openRegistrarClient(ctx context.Context, g globalFlags, regURL, fqn string) (*registrar.Client, error) {
	if regURL != "" {
		return registrar.NewClient(regURL, g.httpClient(0))
	}
	domain, err := subdomainDomain(fqn)
	if err != nil {
		return nil, err
	}
	node, err := g.openNode()
	if err != nil {
		return nil, err
	}
	text, err := node.NameZonefile(ctx, domain)
	if errors.Is(err, apiclient.ErrNotFound) {
		return nil, fmt.Errorf("%s has no zone file to name its registrar: give --registrar", domain)
	}
	if err != nil {
		return nil, err
	}
	f, err := zonefile.Parse([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("the zone file of %s: %w", domain, err)
	}
	u, ok := f.ResolverURL()
	if !ok {
		return nil, fmt.Errorf("the zone file of %s has no %s record: give --registrar", domain, zonefile.ResolverRecordName)
	}
	return registrar.NewClient(u, g.httpClient(0))
}

// walletOwnerKey is the wallet's owner key of address addr ("": the
// first).
func walletOwnerKey(w *wallet.Wallet, addr string) (*wallet.Key, error) {
	keys := w.OwnerKeys()
	if addr == "" {
		return keys[0], nil
	}
	for _, k := range keys {
		if k.Address().EncodeAddress() == addr {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%s is not an owner key of the wallet %s", addr, w.Path())
}

// subdomainKey signs subdomain records with a wallet key.
func subdomainKey(k *wallet.Key) subdomains.SingleKey {
	return subdomains.SingleKey{Priv: k.PrivKey(), Compressed: len(k.SerializedPubKey()) == 33}
}
