package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bnsdns"
)

func newDNSDSCmd() *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "ds ZONE...",
		Short: "Print the DS record of each zone for the DNS server's DNSSEC key",
		Long: `ds prints, for each ZONE (a namespace, "test", or in suffix mode the
suffix, "bns.example"), the DS record of the key in --dns-dnssec-key (made,
mode 0600, if missing), the one key blockstack dns signs every zone with.
Publish the DS in the zone's parent (the suffix's parent domain), or give
it to a validating resolver as the zone's trust anchor (Unbound:
trust-anchor: "LINE"). The DNSKEY record follows, for resolvers that take
a key as anchor.`,
		Example: `  blockstack dns ds --dns-dnssec-key dns.key test
  blockstack dns ds --dns-dnssec-key dns.key bns.example`,
		Args: atLeastArgs(1),
		RunE: func(cmd *cobra.Command, zones []string) error {
			if keyFile == "" {
				return errors.New("dns ds: give the server's key file with --dns-dnssec-key FILE")
			}
			for _, z := range zones {
				if err := bnsdns.CheckZone(z); err != nil {
					return fmt.Errorf("dns ds: %w", err)
				}
			}
			key, made, err := bnsdns.LoadKey(keyFile)
			if err != nil {
				return err
			}
			if made {
				fmt.Fprintf(cmd.ErrOrStderr(), "made a new key in %s: start the DNS server with --dns-dnssec-key %s\n", keyFile, keyFile)
			}
			for _, z := range zones {
				fmt.Fprintln(cmd.OutOrStdout(), rrLine(bnsdns.DS(key, z)))
				fmt.Fprintln(cmd.OutOrStdout(), rrLine(bnsdns.DNSKEY(key, z, 3600)))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyFile, "dns-dnssec-key", "", "the DNS server's DNSSEC key `file`")
	return cmd
}
