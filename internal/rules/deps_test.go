package rules

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// serverPackages are what no client package may link, with why. A client
// library is for apps that hold no servers (README): an app that looks a
// name up or writes to its bucket must not carry the node's name database
// or the hub. Subpackages of the first four count too; api and gaia are
// matched exactly, because their subpackages apitypes, apiclient and
// gaiaauth are the wire formats that clients are meant to share with them.
var serverPackages = []struct {
	path    string
	subtree bool
	why     string
}{
	{"modernc.org/sqlite", true, "the node's SQLite"},
	{module + "/namedb", true, "the name database"},
	{module + "/virtualchain", true, "the BNS indexer"},
	{module + "/subdomains", true, "the subdomain indexer"},
	{module + "/api", false, "the REST API server (use api/apiclient and api/apitypes)"},
	{module + "/gaia", false, "the Gaia hub server (use gaia/gaiaauth)"},
}

const module = "github.com/go-blockstack/go-blockstack"

// TestClientsLinkNoServer: no package under client/ depends, outside its
// tests, on a server package; each that does is named with the chain of
// imports that pulls the server in.
func TestClientsLinkNoServer(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./client/...")
	cmd.Dir = moduleRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	imports := map[string][]string{}
	var clients []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		imports[fields[0]] = fields[1:]
		if fields[0] == module+"/client" || strings.HasPrefix(fields[0], module+"/client/") {
			clients = append(clients, fields[0])
		}
	}
	if len(clients) == 0 {
		t.Fatalf("go list found no client packages:\n%s", out)
	}
	for _, c := range clients {
		for _, s := range serverPackages {
			if chain := importChain(imports, c, func(p string) bool {
				return p == s.path || s.subtree && strings.HasPrefix(p, s.path+"/")
			}); chain != nil {
				t.Errorf("%s links %s, %s: %s", short(c), chain[len(chain)-1], s.why, strings.Join(chain, " → "))
			}
		}
	}
}

// importChain is the shortest chain of imports from root to a package
// that matches, module-relative, or nil if root depends on none.
func importChain(imports map[string][]string, root string, match func(string) bool) []string {
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if match(p) {
			chain := []string{short(p)}
			for q := from[p]; q != ""; q = from[q] {
				chain = append(chain, short(q))
			}
			slices.Reverse(chain)
			return chain
		}
		for _, next := range imports[p] {
			if _, seen := from[next]; !seen {
				from[next] = p
				queue = append(queue, next)
			}
		}
	}
	return nil
}

func short(p string) string { return strings.TrimPrefix(p, module+"/") }
