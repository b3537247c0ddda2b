// Package backendtest holds the integration tests that run one test body
// against every chain.Backend: devchain in process, devchain over its
// JSON-RPC through chain/rpc, and a real btcd in regtest through chain/rpc.
// It has no code of its own.
package backendtest
