package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// pebble is a running Pebble, the ACME test server: its directory URL, the
// CA file its own HTTPS is trusted by, and its management address.
type pebble struct {
	directory, caFile, mgmt string
	client                  *http.Client // trusts Pebble's HTTPS
}

// startPebble runs Pebble on loopback ports with validation off (every
// challenge passes: the names need not resolve here) and its HTTPS
// certificate from a test CA.
func startPebble(t *testing.T) *pebble {
	t.Helper()
	bin := testbin.Require(t, "pebble", "go install github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.3 (.ci/run does)", "the ACME tests")
	dir := t.TempDir()
	ca, caFile, certFile, keyFile := testTLSFiles(t, dir)
	p := &pebble{caFile: caFile, mgmt: freeAddr(t),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}}
	listen := freeAddr(t)
	p.directory = "https://" + listen + "/dir"
	_, httpPort, _ := net.SplitHostPort(freeAddr(t))
	_, tlsPort, _ := net.SplitHostPort(freeAddr(t))
	conf, err := json.Marshal(map[string]any{"pebble": map[string]any{
		"listenAddress": listen, "managementListenAddress": p.mgmt,
		"certificate": certFile, "privateKey": keyFile,
		"httpPort": json.Number(httpPort), "tlsPort": json.Number(tlsPort),
		"ocspResponderURL": "", "externalAccountBindingRequired": false,
	}})
	if err != nil {
		t.Fatal(err)
	}
	confFile := filepath.Join(dir, "pebble.json")
	if err = os.WriteFile(confFile, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PEBBLE_VA_ALWAYS_VALID", "1")
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	err = testbin.Start(t, "pebble", bin, []string{"-config", confFile}, dir, func(exited <-chan struct{}) error {
		ready := waitfor.Poll(30*time.Second, func() bool {
			select {
			case <-exited:
				return true
			default:
			}
			resp, gerr := p.client.Get(p.directory)
			if gerr != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		select {
		case <-exited:
			return errors.New("exited before serving")
		default:
		}
		if !ready {
			return fmt.Errorf("no directory at %s after 30 s", p.directory)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// root is Pebble's issuing root, which changes at every start.
func (p *pebble) root(t *testing.T) *x509.CertPool {
	t.Helper()
	resp, err := p.client.Get("https://" + p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pem, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Pebble's root: %d %v", resp.StatusCode, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("Pebble's root is not PEM: %s", pem)
	}
	return pool
}

// TestHubACME: `blockstack hub --acme-domain` gets a certificate from a
// real ACME server (Pebble) at the first handshake naming its domain, and
// a client verifies the chain it serves against Pebble's issuing root;
// the certificate is kept in --acme-cache.
func TestHubACME(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and Pebble")
	}
	p := startPebble(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	const domain = "hub.blockstack.test"
	cache := filepath.Join(dir, "acme")
	hub, _ := startHubBinary(t, bin, nil, "--data-dir", filepath.Join(dir, "gaia"),
		"--acme-domain", domain, "--acme-email", "ops@blockstack.test", "--acme-cache", cache,
		"--acme-directory", p.directory, "--acme-ca-file", p.caFile)
	if !strings.HasPrefix(hub, "https://"+domain+":") {
		t.Fatalf("hub URL %q, want https://%s:PORT", hub, domain)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(hub, "https://"))
	// The domain does not resolve here: the client dials the hub's
	// loopback address and asks for the domain by SNI.
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: p.root(t)},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	start := time.Now()
	resp, err := client.Get(hub + "/hub_info")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		ReadURLPrefix string `json:"read_url_prefix"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("hub_info: %d %v", resp.StatusCode, err)
	}
	t.Logf("first request (certificate obtained by ACME) in %v", time.Since(start))
	if info.ReadURLPrefix != hub+"/read/" {
		t.Errorf("read URL prefix %q, want %s/read/", info.ReadURLPrefix, hub)
	}
	leaf := resp.TLS.PeerCertificates[0]
	if len(resp.TLS.VerifiedChains) == 0 || leaf.VerifyHostname(domain) != nil {
		t.Errorf("served certificate for %v, chains %d", leaf.DNSNames, len(resp.TLS.VerifiedChains))
	}
	if _, err = os.Stat(filepath.Join(cache, domain)); err != nil {
		t.Errorf("certificate not kept in --acme-cache: %v", err)
	}
	// Another name is not asked for: the handshake fails.
	other := &tls.Config{RootCAs: p.root(t), ServerName: "other.blockstack.test"}
	if conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", port), other); err == nil {
		conn.Close()
		t.Error("a handshake for a name not in --acme-domain succeeded")
	}
}
