// Package locked runs a critical section with its lock released by defer,
// so that a panic inside it (which net/http recovers, and the process
// survives) cannot leave the lock held and every later caller blocked.
//
// The project's rule is that every Lock is followed by a deferred Unlock;
// where the critical section is a few lines in the middle of a function,
// Do keeps to the rule without a function of its own per section. The
// rule is checked by TestLocksReleasedByDefer in package internal/rules.
package locked

import "sync"

// Do runs f holding l. For a read lock pass mu.RLocker().
func Do(l sync.Locker, f func()) {
	l.Lock()
	defer l.Unlock()
	f()
}

// Without runs f with l, which the caller holds, released (slow I/O, a
// wait), and takes l back even if f panics, so that the caller's deferred
// Unlock stays balanced.
func Without(l sync.Locker, f func()) {
	l.Unlock()
	defer l.Lock()
	f()
}
