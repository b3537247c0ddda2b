// Package subdomainstest has a subdomain index of fixed records, for the
// tests of the packages that serve subdomains (api, web) without
// building zone files and signatures.
package subdomainstest

import (
	"context"
	"slices"

	"github.com/go-blockstack/go-blockstack/subdomains"
)

// Index holds each subdomain's records, oldest first, as
// subdomains.Indexer.History lists them.
type Index map[string][]subdomains.Record

// Get is the subdomain's last accepted record.
func (x Index) Get(_ context.Context, fqn string) (subdomains.Record, error) {
	for i := len(x[fqn]) - 1; i >= 0; i-- {
		if x[fqn][i].Accepted {
			return x[fqn][i], nil
		}
	}
	return subdomains.Record{}, subdomains.ErrNotFound
}

// History is every record of the subdomain.
func (x Index) History(_ context.Context, fqn string) ([]subdomains.Record, error) {
	return slices.Clone(x[fqn]), nil
}

// OwnedBy lists, sorted, the subdomains whose current owner is addr.
func (x Index) OwnedBy(ctx context.Context, addr string) ([]string, error) {
	var out []string
	for fqn := range x {
		if r, err := x.Get(ctx, fqn); err == nil && r.Owner == addr {
			out = append(out, fqn)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Of lists, sorted, the subdomains of domain (after and limit are
// ignored: a test holds few).
func (x Index) Of(_ context.Context, domain, _ string, _ int) ([]string, error) {
	var out []string
	for fqn, recs := range x {
		if len(recs) > 0 && recs[0].Parent == domain {
			out = append(out, fqn)
		}
	}
	slices.Sort(out)
	return out, nil
}
