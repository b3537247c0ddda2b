//go:build unix

package gaiatest

import (
	"path/filepath"
	"runtime"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// AzuriteVersion is the Azurite release the Azure Blob tests run against,
// pinned by testdata/azurite/package-lock.json.
const AzuriteVersion = "3.35.0"

// Azurite's well-known development account (the same in every install).
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// AzureServer is a running Azure Blob Storage emulator on loopback.
type AzureServer struct {
	// Endpoint is the account's service URL,
	// http://127.0.0.1:PORT/devstoreaccount1.
	Endpoint string
	Account  string
	Key      string
	Dir      string // its storage and log (azurite.out)
}

// StartAzurite runs Azurite's blob service on a random loopback port, and
// stops it when t ends. Azurite is the npm package that `npm ci` installs
// in gaiatest/testdata/azurite (as .ci/run does); without it, or without
// node, the test is skipped loudly, or fails when CI is true.
// --skipApiVersionCheck: the Go SDK speaks a newer service version than
// Azurite declares.
func StartAzurite(t testbin.TB) *AzureServer {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	pkg := filepath.Join(filepath.Dir(self), "testdata", "azurite")
	testbin.Require(t, "node", "Node.js 20 (apt-get install nodejs)", "tests against an Azure Blob emulator")
	testbin.RequireNpm(t, pkg, "azurite", "tests against an Azure Blob emulator")
	addr, dir := startServer(t, storageServer{
		name: "azurite",
		bin:  filepath.Join(pkg, "node_modules", ".bin", "azurite-blob"),
		args: func(addr, dir string) ([]string, error) {
			host, port := splitAddr(addr)
			return []string{"--blobHost", host, "--blobPort", port, "--location", filepath.Join(dir, "data"),
				"--disableTelemetry", "--skipApiVersionCheck", "--silent"}, nil
		},
		readyPath: "/" + AzuriteAccount + "?comp=list",
	})
	return &AzureServer{Endpoint: "http://" + addr + "/" + AzuriteAccount, Account: AzuriteAccount, Key: AzuriteKey, Dir: dir}
}
