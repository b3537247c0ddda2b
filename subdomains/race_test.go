//go:build race

package subdomains

// raceEnabled: the race detector slows SQLite and ECDSA about tenfold.
const raceEnabled = true
