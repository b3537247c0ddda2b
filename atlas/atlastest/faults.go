package atlastest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Faults injects network faults into the calls between nodes: each
// node's client goes through Transport, which knows the caller.
type Faults struct {
	mu    sync.Mutex
	drop  float64
	delay time.Duration
	group map[string]int // address -> partition; absent is partition 0
}

// ErrInjected is wrapped by every failure Faults makes up.
var ErrInjected = errors.New("atlastest: injected fault")

// NewFaults returns a fault injector that injects nothing yet.
func NewFaults() *Faults { return &Faults{group: map[string]int{}} }

// SetDrop makes each call fail with probability p (0 to 1).
func (f *Faults) SetDrop(p float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drop = p
}

// SetDelay delays each call by d before it is sent.
func (f *Faults) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// Partition splits the network: calls between addresses of different
// groups fail. Addresses in no group form one more group.
func (f *Faults) Partition(groups ...[]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.group = map[string]int{}
	for i, g := range groups {
		for _, a := range g {
			f.group[a] = i + 1
		}
	}
}

// Heal ends every partition.
func (f *Faults) Heal() { f.Partition() }

// Transport is the transport of the node at from: it applies the faults
// to each call, then makes it with base.
func (f *Faults) Transport(from string, base http.RoundTripper) http.RoundTripper {
	return faultTransport{f, from, base}
}

type faultTransport struct {
	f    *Faults
	from string
	base http.RoundTripper
}

func (t faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var split, drop bool
	var delay time.Duration
	locked.Do(&t.f.mu, func() {
		split = t.f.group[t.from] != t.f.group[r.URL.Host]
		drop = t.f.drop > 0 && rand.Float64() < t.f.drop
		delay = t.f.delay
	})
	if r.Body != nil && (split || drop) {
		r.Body.Close()
	}
	switch {
	case split:
		return nil, fmt.Errorf("%w: %s and %s are partitioned", ErrInjected, t.from, r.URL.Host)
	case drop:
		return nil, fmt.Errorf("%w: call from %s to %s dropped", ErrInjected, t.from, r.URL.Host)
	}
	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, r.Context().Err()
		case <-timer.C:
		}
	}
	return t.base.RoundTrip(r)
}

// countingListener counts the bytes its connections write.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	k, err := c.Conn.Write(b)
	c.n.Add(int64(k))
	return k, err
}

// countingDialer dials connections that count the bytes they write.
func countingDialer(n *atomic.Int64) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, n}, nil
	}
}
