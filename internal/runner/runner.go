// Package runner runs the services of one command (a node's indexer, its
// HTTP servers, its Atlas peer, ...) as one unit: each is a function that
// runs until its context ends, and the first to fail stops them all.
//
// # Order
//
// Services start in the order they are added and stop in the reverse order,
// one at a time, each waiting for the one after it to have stopped: a
// command adds what others depend on first (the indexer before the API that
// reads its database), so that nothing stops while a service still uses it.
//
// # What it does not do
//
// It opens and closes nothing: a command opens what its services share
// (databases, listeners) before Run and closes it after. It does not
// restart a service; a service that retries (the indexer after a lost
// node) does so inside its own function.
package runner

import (
	"context"
	"errors"
	"fmt"
)

// Group is a set of services run together by Run. The zero value is empty
// and ready to use.
type Group struct {
	services []service
}

type service struct {
	name string
	run  func(context.Context) error
}

// Add appends a service. run must return when its context ends: nil (or
// the context's error) when it stopped cleanly, another error when it
// failed. A service that returns nil before it is stopped has finished its
// work; the others go on.
func (g *Group) Add(name string, run func(ctx context.Context) error) {
	g.services = append(g.services, service{name, run})
}

// running is one started service.
type running struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned
	err    error         // what it returned, once done is closed
}

// Run starts every service and waits until ctx ends or one fails, then
// stops them all in reverse order. It returns nil when ctx ended, and the
// failure, named after its service ("API: ..."), when one failed; errors
// that services return while being stopped, other than their context's,
// are joined to it.
func (g *Group) Run(ctx context.Context) error {
	// Each service has a context of its own, not ctx's child, so that
	// ctx's end does not stop them all at once but in order.
	base := context.WithoutCancel(ctx)
	failed := make(chan int, len(g.services))
	rs := make([]*running, len(g.services))
	for i, s := range g.services {
		sctx, cancel := context.WithCancel(base)
		r := &running{cancel: cancel, done: make(chan struct{})}
		rs[i] = r
		go func() {
			defer close(r.done)
			r.err = s.run(sctx)
			if r.err != nil && sctx.Err() == nil {
				failed <- i
			}
		}()
	}
	var errs []error
	select {
	case <-ctx.Done():
	case i := <-failed:
		<-rs[i].done
		errs = append(errs, fmt.Errorf("%s: %w", g.services[i].name, rs[i].err))
	}
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		// One that has already returned is not being stopped: its
		// failure, if it is the first, is reported above, and later ones
		// are what the first caused.
		stopping := r.isRunning()
		r.cancel()
		<-r.done
		if stopping && r.err != nil && !errors.Is(r.err, context.Canceled) {
			errs = append(errs, fmt.Errorf("%s: stopping: %w", g.services[i].name, r.err))
		}
	}
	return errors.Join(errs...)
}

func (r *running) isRunning() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}
