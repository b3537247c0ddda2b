package runner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder notes the order in which services stop.
type recorder struct {
	mu      sync.Mutex
	stopped []string
}

// service runs until its context ends, then notes that it stopped.
func (r *recorder) service(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.stopped = append(r.stopped, name)
		return ctx.Err()
	}
}

// TestStopInReverseOrder: the end of the context stops every service,
// last added first, and Run returns nil.
func TestStopInReverseOrder(t *testing.T) {
	var rec recorder
	var g Group
	for _, name := range []string{"indexer", "atlas", "api"} {
		g.Add(name, rec.service(name))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after the context ended: %v", err)
	}
	if want := []string{"api", "atlas", "indexer"}; !slices.Equal(rec.stopped, want) {
		t.Errorf("stopped %v, want %v", rec.stopped, want)
	}
}

// TestFailureStopsAll: a service's failure stops the others, in order,
// and Run returns it named after its service, while the context is still
// alive.
func TestFailureStopsAll(t *testing.T) {
	var rec recorder
	var g Group
	boom := errors.New("listener closed")
	fail := make(chan struct{})
	g.Add("indexer", rec.service("indexer"))
	g.Add("API", func(context.Context) error {
		<-fail
		return boom
	})
	g.Add("DNS", rec.service("DNS"))
	done := make(chan error)
	go func() { done <- g.Run(context.Background()) }()
	close(fail)
	select {
	case err := <-done:
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "API: ") {
			t.Fatalf("Run: %v, want API's failure named", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a failed service did not stop the group")
	}
	if want := []string{"DNS", "indexer"}; !slices.Equal(rec.stopped, want) {
		t.Errorf("stopped %v, want %v", rec.stopped, want)
	}
}

// TestFinishedServiceIsNoFailure: a service that returns nil on its own
// has finished; the others run on until the context ends.
func TestFinishedServiceIsNoFailure(t *testing.T) {
	var rec recorder
	var g Group
	finished := make(chan struct{})
	g.Add("once", func(context.Context) error {
		close(finished)
		return nil
	})
	g.Add("server", rec.service("server"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Run(ctx) }()
	<-finished
	select {
	case err := <-done:
		t.Fatalf("Run returned %v after a service finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := []string{"server"}; !slices.Equal(rec.stopped, want) {
		t.Errorf("stopped %v, want %v", rec.stopped, want)
	}
}

// TestErrorWhileStopping: an error other than the context's, returned by a
// service being stopped, is reported; the context's own is not.
func TestErrorWhileStopping(t *testing.T) {
	var g Group
	g.Add("hub", func(ctx context.Context) error {
		<-ctx.Done()
		return errors.New("driver did not flush")
	})
	g.Add("api", func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := g.Run(ctx)
	if err == nil || err.Error() != "hub: stopping: driver did not flush" {
		t.Fatalf("Run: %v", err)
	}
}
