package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/go-blockstack/go-blockstack/bnsdns"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// unboundConf is a recursive resolver of its own: on loopback, in the
// foreground, no chroot or user switch, and a cache of at most a second so
// that an update or an expiry shows at once. %s: the directory, the port,
// the modules, then stub zones and trust anchors.
const unboundConf = `server:
	interface: 127.0.0.1
	port: %s
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "%s"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 1
	val-log-level: 2
	num-threads: 1
	module-config: "%s"
	do-not-query-localhost: no
	cache-max-ttl: 1
	cache-max-negative-ttl: 1
%s
remote-control:
	control-enable: no
`

// startUnbound runs Debian's unbound until the test ends, as a recursive
// resolver with a stub zone for each of zones pointing at the server at
// stub (host:port), and returns its address. With anchors (trust-anchor
// lines: "test. DS ..."), it validates.
func startUnbound(t *testing.T, stub string, zones, anchors []string) string {
	t.Helper()
	bin := testbin.Require(t, "unbound", "apt-get install unbound (bash .ci/run does)", "the tests through a recursive resolver")
	// A port free for UDP and TCP alike, as unbound listens on both.
	pc, ln, err := bnsdns.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	ln.Close()
	host, port, _ := strings.Cut(addr, ":")
	stubHost, stubPort, _ := strings.Cut(stub, ":")

	var extra strings.Builder
	for _, z := range zones {
		// Unbound answers special-use names such as test. itself unless told not to.
		fmt.Fprintf(&extra, "\tlocal-zone: %q nodefault\n", z)
	}
	modules := "iterator"
	if len(anchors) > 0 {
		modules = "validator iterator"
		for _, a := range anchors {
			fmt.Fprintf(&extra, "\ttrust-anchor: %q\n", a)
		}
	}
	for _, z := range zones {
		fmt.Fprintf(&extra, "stub-zone:\n\tname: %q\n\tstub-addr: %s@%s\n", z, stubHost, stubPort)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "unbound.conf")
	if err = os.WriteFile(conf, fmt.Appendf(nil, unboundConf, port, dir, modules, extra.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	err = testbin.Start(t, "unbound", bin, []string{"-d", "-c", conf}, dir, func(exited <-chan struct{}) error {
		q := new(dns.Msg).SetQuestion(zones[0], dns.TypeSOA)
		c := &dns.Client{Timeout: time.Second}
		ready := waitfor.Poll(10*time.Second, func() bool {
			select {
			case <-exited:
				return true
			default:
			}
			_, _, xerr := c.Exchange(q, addr)
			return xerr == nil
		})
		select {
		case <-exited:
			return errors.New("exited before serving")
		default:
		}
		if !ready {
			return fmt.Errorf("no answer at %s after 10 s", addr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return host + ":" + port
}
