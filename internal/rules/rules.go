// Package rules checks, over the module's source, the rules of
// docs/hardening.md that a tool can check, and that client packages link
// no server (deps_test.go). It has no code of its own: the checks are its
// tests, run with every other test.
package rules
