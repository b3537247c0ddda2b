package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
)

func TestClientAgainstServer(t *testing.T) {
	s, zf := fixture(t)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	c, err := apiclient.New(srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}

	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.LastBlockProcessed != 20 || info.Consensus != fmt.Sprintf("%032x", 20) || info.Network != "devnet" ||
		info.Rules.GracePeriod != 8 || info.Rules.MaxNamesPerOwner != 25 {
		t.Errorf("info %+v", info)
	}

	n, err := c.Name(ctx, "alice.test")
	if err != nil {
		t.Fatal(err)
	}
	zhash := fmt.Sprintf("%x", btcutil.Hash160([]byte(zonefileText)))
	if n.Status != "registered" || n.Address != "mkAlice1111111111111111111111111111" || n.ExpireBlock != 205 ||
		n.ZonefileHash != zhash || n.Zonefile != nil || n.LastTxid != "aa" {
		t.Errorf("alice.test %+v", n)
	}
	if n, err := c.Name(ctx, "old.test"); err != nil || n.Status != "expired" || !n.GracePeriod || n.ZonefileHash != "" {
		t.Errorf("old.test %+v, %v", n, err)
	}
	_, err = c.Name(ctx, "nobody.test")
	var apiErr *apiclient.Error
	if !errors.Is(err, apiclient.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Message != "Name not found" {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := c.Name(ctx, "Alice.test"); errors.Is(err, apiclient.ErrNotFound) || !strings.Contains(err.Error(), "400") ||
		!strings.Contains(err.Error(), "invalid name") {
		t.Errorf("malformed name: %v", err)
	}
	// A name with a '/' stays one path segment: it cannot reach another endpoint.
	if _, err := c.Name(ctx, "alice.test/history"); err == nil {
		t.Error("a name with a slash was answered")
	}

	hist, err := c.NameHistory(ctx, "alice.test", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Opcode != "NAME_REGISTRATION" || hist[0].Block != 5 || hist[0].Txid != "aa" ||
		!hist[0].Accepted || hist[0].Fields["address"] != "mkAlice1111111111111111111111111111" {
		t.Errorf("history %+v", hist)
	}

	ns, err := c.Namespace(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !ns.Ready || ns.ReadyBlock != 5 || ns.Coeff != 250 || ns.Buckets != (apitypes.Buckets{6, 5, 4, 3, 2, 1}) || ns.Lifetime != 100 {
		t.Errorf("namespace %+v", ns)
	}
	if _, err := c.Namespace(ctx, "nope"); !errors.Is(err, apiclient.ErrNotFound) {
		t.Errorf("unknown namespace: %v", err)
	}
	if p, err := c.NamePrice(ctx, "alice.test"); err != nil || p != 40000 {
		t.Errorf("name price %d, %v", p, err)
	}
	if p, err := c.NamespacePrice(ctx, "test"); err != nil || p != 40000000 {
		t.Errorf("namespace price %d, %v", p, err)
	}
	if names, err := c.NamesOwned(ctx, "mkAlice1111111111111111111111111111"); err != nil ||
		strings.Join(names, ",") != "alice.test,frozen.test" {
		t.Errorf("names owned %v, %v", names, err)
	}
	if _, err := c.Operation(ctx, strings.Repeat("ab", 32)); !errors.Is(err, apiclient.ErrNotFound) {
		t.Errorf("unindexed operation: %v", err)
	}

	// Publishing: refused until named, then stored and served back.
	if _, err := c.PutZonefile(ctx, []byte("not on chain")); err == nil || !strings.Contains(err.Error(), "not named on chain") {
		t.Errorf("unnamed zone file: %v", err)
	}
	if _, err := c.NameZonefile(ctx, "alice.test"); !errors.Is(err, apiclient.ErrNotFound) {
		t.Errorf("zone file before publishing: %v", err)
	}
	h, err := c.PutZonefile(ctx, []byte(zonefileText))
	if err != nil || h != zhash {
		t.Fatalf("publish: %q, %v", h, err)
	}
	if zf.files[zhash] == nil {
		t.Fatal("published zone file not stored")
	}
	if z, err := c.NameZonefile(ctx, "alice.test"); err != nil || z != zonefileText {
		t.Errorf("zone file %q, %v", z, err)
	}
	if n, err := c.Name(ctx, "alice.test"); err != nil || n.Zonefile == nil || *n.Zonefile != zonefileText {
		t.Errorf("record after publishing %+v, %v", n, err)
	}
}

func TestClientUnavailableAndBuckets(t *testing.T) {
	// A node without a zone file store answers 503.
	s, _ := fixture(t)
	s.cfg.Zonefiles = nil
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := apiclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutZonefile(context.Background(), []byte(zonefileText)); !errors.Is(err, apiclient.ErrUnavailable) {
		t.Errorf("no store: %v", err)
	}

	// Blockstack Core's string form of the buckets.
	core := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"namespace_id":"id","ready":true,"buckets":"[6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"}`)
	}))
	t.Cleanup(core.Close)
	c, _ = apiclient.New(core.URL, nil)
	ns, err := c.Namespace(context.Background(), "id")
	if err != nil || ns.Buckets != (apitypes.Buckets{6, 5, 4, 3, 2, 1}) {
		t.Errorf("string buckets: %+v, %v", ns, err)
	}

	for _, bad := range []string{"127.0.0.1:16270", "ftp://x", "http://"} {
		if _, err := apiclient.New(bad, nil); err == nil {
			t.Errorf("apiclient.New(%q) accepted", bad)
		}
	}
}
