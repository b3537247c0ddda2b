// Package hostile is the hostile test suite: it runs the real blockstack
// binary (a devnet: chain RPC, REST API and explorer, Atlas peer, Gaia hub
// and the sample app in one process) and attacks every network handler as
// an adversary would, asserting after each attack that the process lives,
// answers other clients within a bound, and has lost nothing it had
// acknowledged.
//
// The classes it tries, each on every handler where it applies:
//
//   - bodies that stall after their headers, more of them than any
//     concurrency limit;
//   - floods of valid requests at and past the concurrency limits;
//   - counts, offsets, heights and lengths that are huge, negative or not
//     numbers;
//   - arbitrary requests (fuzz targets seeded from real requests: run
//     `go test -fuzz FuzzAtlasRPC ./hostile` and likewise for the others to
//     search beyond the seeds).
//
// The rules that make these classes impossible, and the checks that keep
// them, are in docs/hardening.md. The package has no code of its own: the
// suite is its tests.
package hostile
