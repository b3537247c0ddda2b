package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// dnsDS runs `blockstack dns ds` for zones and returns their DS lines.
func dnsDS(t *testing.T, e *e2eNet, keyFile string, zones ...string) []string {
	t.Helper()
	var ds []string
	for _, line := range strings.Split(e.ok(t, append([]string{"dns", "ds", "--dns-dnssec-key", keyFile}, zones...)...), "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[3] == "DS" {
			ds = append(ds, line)
		}
	}
	if len(ds) != len(zones) {
		t.Fatalf("dns ds printed %d DS records for %d zones", len(ds), len(zones))
	}
	return ds
}

// delv asks the server at addr for name and type with BIND's delv,
// validating from the trust anchor ds (a DS line of zone), and returns
// what it printed.
func delv(t *testing.T, addr, zone, ds, name, qtype string) string {
	t.Helper()
	bin := testbin.Require(t, "delv", "apt-get install bind9-dnsutils (bash .ci/run does)", "the DNSSEC tests")
	f := strings.Fields(ds) // zone TTL IN DS tag alg digest-type digest
	anchors := filepath.Join(t.TempDir(), "anchors.conf")
	conf := "trust-anchors {\n\t\"" + f[0] + "\" static-ds " + strings.Join(f[4:7], " ") + " \"" + f[7] + "\";\n};\n"
	if err := os.WriteFile(anchors, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	out, _ := exec.Command(bin, "@"+host, "-p", port, "-a", anchors, "+root="+zone, name, qtype).CombinedOutput()
	return string(out)
}

// oneSpaced is text with one space between the fields of each line, as
// delv aligns them with tabs and spaces.
func oneSpaced(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// tamperingProxy answers as the server at upstream does, with every A
// record's address replaced: what a forger on the path would send. It
// returns its address (UDP only, as delv asks).
func tamperingProxy(t *testing.T, upstream string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := new(dns.Client)
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		resp, _, err := c.ExchangeContext(context.Background(), req, upstream)
		if err != nil {
			return // the client times out
		}
		for _, rr := range resp.Answer {
			if a, ok := rr.(*dns.A); ok {
				a.A = net.ParseIP("192.0.2.66")
			}
		}
		_ = w.WriteMsg(resp)
	})}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = srv.Shutdown()
		if err := <-done; err != nil {
			t.Errorf("tampering proxy: %v", err)
		}
	})
	return pc.LocalAddr().String()
}

// TestDNSFlagsRefused: DNS settings that cannot work fail at start with
// one line that says why, before any node is asked.
func TestDNSFlagsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	noNode := "http://127.0.0.1:1"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dns", "--node", noNode, "--listen", "127.0.0.1:0", "--dns-cache", "0"}, "--dns-cache 0: give a number of names, at least 1"},
		{[]string{"dns", "--node", noNode, "--listen", "127.0.0.1:0", "--dns-dnssec-key", garbage}, "not a PEM PRIVATE KEY"},
		{[]string{"dns", "--node", noNode, "--listen", "127.0.0.1:0", "--dns-rate-limit", "-1"}, "--dns-rate-limit -1: give answers a second"},
		{[]string{"dns", "ds", "test"}, "give the server's key file with --dns-dnssec-key FILE"},
		{[]string{"dns", "ds", "--dns-dnssec-key", filepath.Join(dir, "new.key"), "not a name!"}, `"not a name!" is not a domain name`},
		{[]string{"dns", "ds", "--dns-dnssec-key", garbage, "test"}, "not a PEM PRIVATE KEY"},
	} {
		stdout, stderr, code := runBinary(t, bin, "", c.args...)
		failsWith(t, stdout, stderr, code, c.want)
	}
}
