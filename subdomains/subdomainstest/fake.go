// Package subdomainstest has a subdomain index of fixed records, for the
// tests of the packages that serve subdomains (api, web) without
// building zone files and signatures.
package subdomainstest

import (
	"context"
	"maps"
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

// Of lists, sorted, at most limit subdomains of domain after the name
// after.
func (x Index) Of(ctx context.Context, domain, after string, limit int) ([]string, error) {
	var out []string
	for _, fqn := range slices.Sorted(maps.Keys(x)) {
		if r, err := x.Get(ctx, fqn); err == nil && r.Parent == domain && fqn > after && len(out) < limit {
			out = append(out, fqn)
		}
	}
	return out, nil
}

// Page lists, sorted, at most limit subdomains from the offset-th.
func (x Index) Page(ctx context.Context, offset, limit int) ([]string, error) {
	var all []string
	for _, fqn := range slices.Sorted(maps.Keys(x)) {
		if _, err := x.Get(ctx, fqn); err == nil {
			all = append(all, fqn)
		}
	}
	all = all[min(offset, len(all)):]
	return all[:min(limit, len(all))], nil
}

// OfTx lists the records txid anchored, in chain order.
func (x Index) OfTx(_ context.Context, txid string) ([]subdomains.Record, error) {
	var out []subdomains.Record
	for _, recs := range x {
		for _, r := range recs {
			if r.Txid == txid {
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b subdomains.Record) int {
		if a.Index != b.Index {
			return int(a.Index - b.Index)
		}
		return a.Offset - b.Offset
	})
	return out, nil
}

// Count is how many subdomains have an accepted record.
func (x Index) Count(ctx context.Context) (int64, error) {
	n, _ := x.Page(ctx, 0, len(x))
	return int64(len(n)), nil
}
