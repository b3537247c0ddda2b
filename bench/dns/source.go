package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-blockstack/go-blockstack/bnsdns"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// namespace is the one namespace (and, for nsd, the one zone) of the names.
const namespace = "bench"

// nameOf is the i-th name: "n0000042.bench".
func nameOf(i int) string { return fmt.Sprintf("n%07d.%s", i, namespace) }

// addrOf is the i-th name's address, in 10.0.0.0/8.
func addrOf(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff) }

// zonefileOf is the i-th name's zone file: one A record, as a name that
// points at one web server has.
func zonefileOf(i int) []byte {
	return fmt.Appendf(nil, "$ORIGIN %s\n$TTL 3600\n@ IN A %s\n", nameOf(i), addrOf(i))
}

// source serves n names made up from their index when asked, so that what
// the benchmark's process holds is the DNS server's cache, not a copy of
// the names; the zone file's hash is computed as a node holds it.
type source struct{ n int }

func (source) Tip(context.Context) (bnsdns.Tip, error) {
	return bnsdns.Tip{Height: 1, ID: "bench"}, nil
}

func (source) Namespace(_ context.Context, id string) error {
	if id != namespace {
		return bnsdns.ErrNotFound
	}
	return nil
}

func (s source) Name(_ context.Context, name string) (bnsdns.Name, error) {
	label, ok := strings.CutSuffix(name, "."+namespace)
	i, err := strconv.Atoi(strings.TrimPrefix(label, "n"))
	if !ok || err != nil || i < 0 || i >= s.n || name != nameOf(i) {
		return bnsdns.Name{}, bnsdns.ErrNotFound
	}
	zf := zonefileOf(i)
	return bnsdns.Name{Live: true, ZonefileHash: zonefile.HashOf(zf), HasZonefile: true, Zonefile: zf}, nil
}

func (source) Subdomain(context.Context, string) (bnsdns.Name, error) {
	return bnsdns.Name{}, bnsdns.ErrNotFound
}
