package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cliDocPath is the CLI reference, written from the commands' own help.
var cliDocPath = filepath.Join(repoRoot, "docs", "cli.md")

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/cli.md from the commands' help instead of comparing")

// TestDocsCLIReference: docs/cli.md is exactly what writeCLIReference
// makes of today's command tree, so that the reference cannot drift from
// --help. After changing a command, its flags or their help, regenerate it
// (and the other generated docs):
//
//	go test ./cmd/blockstack -run Docs -update-docs
func TestDocsCLIReference(t *testing.T) {
	var buf bytes.Buffer
	writeCLIReference(&buf, newRootCmd())
	checkGenerated(t, cliDocPath, buf.Bytes())
}

// checkGenerated compares the file at path with want, or writes want
// there under -update-docs.
func checkGenerated(t *testing.T, path string, want []byte) {
	t.Helper()
	if *updateDocs {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("%s is not what its generator writes today (first difference at line %d); regenerate it:\n"+
			"\tgo test ./cmd/blockstack -run Docs -update-docs", path, firstDiffLine(have, want))
	}
}

// firstDiffLine is the 1-based line where a and b first differ.
func firstDiffLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// docCommands are the commands the reference describes, in the order of
// the tree, depth first: all but cobra's own (help, completion) and hidden ones.
func docCommands(c *cobra.Command) []*cobra.Command {
	list := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		list = append(list, docCommands(sub)...)
	}
	return list
}

// anchor is GitHub's heading anchor for a command's heading.
func anchor(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}

// writeCLIReference writes the Markdown reference of root's command tree:
// an index, the global flags once, then each command's description, usage,
// examples and own flags, all taken from the commands themselves.
func writeCLIReference(w *bytes.Buffer, root *cobra.Command) {
	root.InitDefaultHelpFlag()
	fmt.Fprintf(w, "# `%s` command reference\n\n", root.Name())
	fmt.Fprintf(w, "Generated from the commands' own help by `writeCLIReference` (cmd/blockstack/docs_test.go); do not edit.\n"+
		"After changing a command, regenerate it with\n\n"+
		"```sh\ngo test ./cmd/blockstack -run Docs -update-docs\n```\n\n"+
		"and `go test ./cmd/blockstack -run Docs` fails while it differs.\n\n")
	cmds := docCommands(root)
	for _, c := range cmds[1:] {
		depth := strings.Count(c.CommandPath(), " ") - 1
		fmt.Fprintf(w, "%s- [`%s`](#%s): %s\n", strings.Repeat("  ", depth), c.CommandPath(), anchor(c), c.Short)
	}
	fmt.Fprintf(w, "\n## Global flags\n\nEvery command takes these. A flag given on the command line wins over its environment variable, which wins over the settings file (`--config-file`; see [operations.md](operations.md)).\n\n")
	fmt.Fprintf(w, "```\n%s```\n", root.PersistentFlags().FlagUsages())
	for _, c := range cmds[1:] {
		c.InitDefaultHelpFlag()
		fmt.Fprintf(w, "\n## %s\n\n", c.CommandPath())
		text := c.Long
		if text == "" {
			text = c.Short
		}
		fmt.Fprintf(w, "%s\n", fence(strings.TrimSpace(text)))
		if c.Runnable() {
			fmt.Fprintf(w, "\nUsage:\n\n```\n%s\n```\n", c.UseLine())
		}
		if c.HasAvailableSubCommands() {
			fmt.Fprintf(w, "\nSubcommands:\n\n")
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() && sub.Name() != "help" {
					fmt.Fprintf(w, "- [`%s`](#%s): %s\n", sub.Name(), anchor(sub), sub.Short)
				}
			}
		}
		if c.Example != "" {
			fmt.Fprintf(w, "\nExamples:\n\n```sh\n%s\n```\n", strings.TrimRight(c.Example, "\n "))
		}
		if own := c.NonInheritedFlags(); own.HasAvailableFlags() {
			fmt.Fprintf(w, "\nFlags:\n\n```\n%s```\n", own.FlagUsages())
		}
		if inherited := inheritedBelowRoot(c); inherited != "" {
			fmt.Fprintf(w, "\nAlso takes %s (see %s) and the [global flags](#global-flags).\n", inherited, parentLinks(c))
		}
	}
}

// inheritedBelowRoot names the flags c inherits from commands between it
// and the root (such as the transaction flags of `name`).
func inheritedBelowRoot(c *cobra.Command) string {
	var names []string
	c.InheritedFlags().VisitAll(func(f *pflag.Flag) {
		if c.Root().PersistentFlags().Lookup(f.Name) == nil && f.Name != "help" {
			names = append(names, "`--"+f.Name+"`")
		}
	})
	return strings.Join(names, ", ")
}

// parentLinks links c's ancestors below the root that define persistent flags.
func parentLinks(c *cobra.Command) string {
	var links []string
	for p := c.Parent(); p != nil && p != c.Root(); p = p.Parent() {
		if p.PersistentFlags().HasAvailableFlags() {
			links = append(links, fmt.Sprintf("[`%s`](#%s)", p.CommandPath(), anchor(p)))
		}
	}
	return strings.Join(links, ", ")
}

// fence returns a description as Markdown: as it is, unless a line of it
// is indented (a table or an aligned list, which Markdown would mangle),
// then as preformatted text.
func fence(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			return "```text\n" + s + "\n```"
		}
	}
	return s
}

// architecturePath holds the package diagram between the markers below.
var architecturePath = filepath.Join(repoRoot, "docs", "architecture.md")

const (
	graphBegin = "<!-- package graph: generated by TestDocsPackageGraph (cmd/blockstack/docs_test.go); do not edit -->\n"
	graphEnd   = "<!-- end of package graph -->\n"
)

// TestDocsPackageGraph: the diagram in docs/architecture.md is the import
// graph of the packages that the binary and the client library are built
// from, as `go list` reports it today, so that it cannot drift from the
// code. Regenerate it with -update-docs (see TestDocsCLIReference).
func TestDocsPackageGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	doc, err := os.ReadFile(architecturePath)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), graphBegin)
	_, after, ok2 := strings.Cut(rest, graphEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %q and %q", architecturePath, graphBegin, graphEnd)
	}
	checkGenerated(t, architecturePath, []byte(before+graphBegin+packageGraph(t)+graphEnd+after))
}

// packageGraph is a Mermaid flowchart of the module's packages that
// cmd/blockstack or client/... are built from, but for internal/ helpers,
// with each import drawn unless another drawn path already implies it.
func packageGraph(t *testing.T) string {
	t.Helper()
	const module = "github.com/go-blockstack/go-blockstack/"
	list := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./cmd/blockstack", "./client/...")
	list.Dir = repoRoot
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	shown := func(p string) bool {
		return strings.HasPrefix(p, module) && !strings.Contains(p, "/internal/") && !strings.HasPrefix(p, module+"internal/")
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if !shown(f[0]) {
			continue
		}
		from := strings.TrimPrefix(f[0], module)
		imports[from] = nil
		for _, imp := range f[1:] {
			if shown(imp) {
				imports[from] = append(imports[from], strings.TrimPrefix(imp, module))
			}
		}
	}
	// reaches reports whether to is reachable from from in the graph.
	var reaches func(from, to string, seen map[string]bool) bool
	reaches = func(from, to string, seen map[string]bool) bool {
		for _, next := range imports[from] {
			if next == to {
				return true
			}
			if !seen[next] {
				seen[next] = true
				if reaches(next, to, seen) {
					return true
				}
			}
		}
		return false
	}
	id := func(p string) string { return strings.NewReplacer("/", "_", ".", "_").Replace(p) }
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart TD\n")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "  %s[%s]\n", id(p), p)
	}
	for _, p := range pkgs {
		deps := slices.Sorted(slices.Values(imports[p]))
		for _, d := range deps {
			// Drawn only if no other import of p leads to d.
			implied := false
			for _, other := range deps {
				if other != d && (other == d || reaches(other, d, map[string]bool{other: true})) {
					implied = true
					break
				}
			}
			if !implied {
				fmt.Fprintf(&b, "  %s --> %s\n", id(p), id(d))
			}
		}
	}
	b.WriteString("```\n")
	return b.String()
}

// docFiles are README.md and the pages of docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	return append([]string{filepath.Join(repoRoot, "README.md")}, pages...)
}

var mdLinkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinks: the README and docs/ link only to files of this
// repository that exist (or to the web): the repository stands alone, and
// cites nothing outside it.
func TestDocsLinks(t *testing.T) {
	for _, file := range docFiles(t) {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(text), "shared/spec") {
			t.Errorf("%s cites shared/spec, which is not part of this repository", file)
		}
		for _, m := range mdLinkRE.FindAllStringSubmatch(string(text), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", file, m[1])
			}
		}
	}
}

// TestDocsTables: every row of every Markdown table in the README and
// docs/ has as many cells as its header, so that no row is broken by an
// unescaped | (inside a code span too, where it must be written \|).
func TestDocsTables(t *testing.T) {
	cells := func(row string) int {
		row = strings.ReplaceAll(strings.TrimSpace(row), `\|`, "")
		return strings.Count(strings.Trim(row, "|"), "|") + 1
	}
	for _, file := range docFiles(t) {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		header, fenced := 0, false
		for i, line := range strings.Split(string(text), "\n") {
			if strings.HasPrefix(line, "```") {
				fenced = !fenced
			}
			switch {
			case fenced || !strings.HasPrefix(line, "|"):
				header = 0
			case header == 0:
				header = cells(line)
			case cells(line) != header:
				t.Errorf("%s:%d: %d cells, the table's header has %d: %s", file, i+1, cells(line), header, line)
			}
		}
	}
}
