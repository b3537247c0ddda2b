package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/subdomains"
)

// nominalBlockTime converts a window into blocks when the node gives no
// estimate: Bitcoin's target spacing.
const nominalBlockTime = 10 * time.Minute

func newNamesExpiringCmd(g *globalFlags) *cobra.Command {
	var within string
	cmd := &cobra.Command{
		Use:   "expiring [ADDRESS...]",
		Short: "List the names (and subdomains, by their parent) that expire within --within, soonest first",
		Long: `expiring lists the names the given addresses own (default: every key of the
wallet) that expire within --within, or have expired and can still be renewed
(the grace period), soonest first. A subdomain is listed with its parent
domain's expiry: it lives as long as the domain does. Dates are the node's
estimates from the chain's recent block rate; the block heights decide.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			window, err := parseWindow(within)
			if err != nil {
				return fmt.Errorf("--within %q: %w", within, err)
			}
			addrs, err := expiringAddresses(*g, args)
			if err != nil {
				return err
			}
			node, err := openReadNode(cmd, *g)
			if err != nil {
				return err
			}
			info, err := node.Info(cmd.Context())
			if err != nil {
				return err
			}
			rows, err := expiringNames(cmd, node, addrs, info.LastBlockProcessed, window)
			if err != nil {
				return err
			}
			return printExpiring(cmd, rows, within)
		},
	}
	cmd.Flags().StringVar(&within, "within", "30d", "the `window`: days (30d), weeks (4w) or a Go duration (36h)")
	return cmd
}

// parseWindow reads 30d, 4w or a Go duration.
func parseWindow(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || v < 0 {
				return 0, errors.New("want a number of days (30d), weeks (4w) or a duration (36h)")
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("want a number of days (30d), weeks (4w) or a duration (36h)")
	}
	return d, nil
}

// expiringAddresses are the addresses given, checked, or the wallet's.
func expiringAddresses(g globalFlags, args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		addr, err := g.parseAddress(a)
		if err != nil {
			return nil, err
		}
		out = append(out, addr.EncodeAddress())
	}
	if len(out) > 0 {
		return out, nil
	}
	w, err := g.openWallet()
	if err != nil {
		return nil, fmt.Errorf("%w (or give the addresses)", err)
	}
	for _, k := range walletKeys(w) {
		out = append(out, k.key.Address().EncodeAddress())
	}
	return out, nil
}

// expiresWithin reports whether a name's expiry falls within window of
// now: by the node's estimate, else by blocks at the nominal rate, from
// the last block last.
func expiresWithin(rec *apitypes.Name, last int64, window time.Duration) bool {
	if est := rec.ExpiryEstimate; est != nil {
		if at, err := time.Parse(time.RFC3339, est.ExpireDate); err == nil {
			return !at.After(time.Now().Add(window))
		}
	}
	return rec.ExpireBlock-last <= int64(window/nominalBlockTime)
}

// expiringRow is a name that expires within the window: an on-chain name,
// or a subdomain with its parent's record.
type expiringRow struct {
	name   string
	parent string // "" for an on-chain name
	rec    *apitypes.Name
}

// expiringNames reads the names each address owns and keeps those whose
// expiry falls within window of now (by the node's estimate, else by
// blocks at the nominal rate) and whose renewal deadline has not passed.
func expiringNames(cmd *cobra.Command, node *apiclient.Client, addrs []string, last int64, window time.Duration) ([]expiringRow, error) {
	ctx := cmd.Context()
	records := map[string]*apitypes.Name{}
	record := func(name string) (*apitypes.Name, error) {
		if r, ok := records[name]; ok {
			return r, nil
		}
		r, err := node.Name(ctx, name)
		if errors.Is(err, apiclient.ErrNotFound) {
			r, err = nil, nil
		}
		records[name] = r
		return r, err
	}
	var rows []expiringRow
	seen := map[string]bool{}
	for _, addr := range addrs {
		names, err := node.NamesOwned(ctx, addr)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if seen[name] {
				continue
			}
			seen[name] = true
			row := expiringRow{name: name}
			onChain := name
			if subdomains.IsFQN(name) {
				_, parent, err := subdomains.SplitFQN(name)
				if err != nil {
					continue
				}
				row.parent, onChain = parent, parent
			}
			rec, err := record(onChain)
			if err != nil {
				return nil, err
			}
			if rec == nil || rec.Status == "revoked" || rec.ExpireBlock < 0 || rec.RenewalDeadline <= last {
				continue
			}
			row.rec = rec
			if expiresWithin(rec, last, window) {
				rows = append(rows, row)
			}
		}
	}
	slices.SortFunc(rows, func(a, b expiringRow) int {
		if c := a.rec.ExpireBlock - b.rec.ExpireBlock; c != 0 {
			return int(c)
		}
		return strings.Compare(a.name, b.name)
	})
	return rows, nil
}

func printExpiring(cmd *cobra.Command, rows []expiringRow, within string) error {
	out := cmd.OutOrStdout()
	if len(rows) == 0 {
		_, err := fmt.Fprintf(out, "no names expire within %s\n", within)
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tEXPIRES\tRENEW BY\tNOTE")
	dated := false
	for _, r := range rows {
		expires, deadline := fmt.Sprintf("block %d", r.rec.ExpireBlock), fmt.Sprintf("block %d", r.rec.RenewalDeadline)
		if est := r.rec.ExpiryEstimate; est != nil {
			dated = true
			expires += " (~" + shortDate(est.ExpireDate) + ")"
			deadline += " (~" + shortDate(est.RenewalDeadlineDate) + ")"
		}
		var notes []string
		if r.rec.GracePeriod || r.rec.Status == "expired" {
			notes = append(notes, "expired: renew before the deadline")
		}
		if r.parent != "" {
			notes = append(notes, "subdomain: expires with "+r.parent)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.name, expires, deadline, strings.Join(notes, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if dated {
		_, err := fmt.Fprintln(out, "dates are the node's estimates from the chain's recent block rate; the block heights decide")
		return err
	}
	return nil
}

// shortDate writes an RFC 3339 time as a day and minute, UTC.
func shortDate(rfc3339 string) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}
