package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the module's root, from this package.
const moduleRoot = "../.."

// goFiles parses every non-test Go file of the module (outside
// node_modules and testdata) and calls f with each.
func goFiles(t *testing.T, f func(fset *token.FileSet, path string, file *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", ".artifacts":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		file, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return err
		}
		f(fset, path, file)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLocksReleasedByDefer: every Lock or RLock call is followed at once
// by the deferred Unlock or RUnlock of the same lock, so that a panic in
// the critical section (net/http recovers it and the process goes on)
// cannot leave the lock held: that is how one request once wedged every
// Atlas loop for good. Sections in the middle of a function use
// internal/locked.Do. A lock that a function hands on to be released
// elsewhere (a transaction's writer lock, released by Commit) says so on
// the line of the Lock, with a comment "lock-handoff: <to whom>".
func TestLocksReleasedByDefer(t *testing.T) {
	goFiles(t, func(fset *token.FileSet, path string, file *ast.File) {
		handoffs := map[int]bool{} // lines with a lock-handoff comment
		for _, g := range file.Comments {
			for _, c := range g.List {
				if strings.Contains(c.Text, "lock-handoff:") {
					handoffs[fset.Position(c.Pos()).Line] = true
				}
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			var list []ast.Stmt
			switch b := n.(type) {
			case *ast.BlockStmt:
				list = b.List
			case *ast.CaseClause:
				list = b.Body
			case *ast.CommClause:
				list = b.Body
			default:
				return true
			}
			for i, st := range list {
				lock, name := lockCall(st)
				if name == "" {
					continue
				}
				if i+1 < len(list) && deferredUnlock(list[i+1], lock, name) || handoffs[fset.Position(st.Pos()).Line] {
					continue
				}
				t.Errorf("%s: %s.%s() is not followed by defer %s.%s(): release it by defer (or use internal/locked.Do)",
					fset.Position(st.Pos()), lock, name, lock, unlockOf(name))
			}
			return true
		})
	})
}

// lockCall reports whether st is a statement X.Lock() or X.RLock(), with
// X's source and the method's name.
func lockCall(st ast.Stmt) (string, string) {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return "", ""
	}
	recv, name := call(es.X)
	if name != "Lock" && name != "RLock" {
		return "", ""
	}
	return recv, name
}

// deferredUnlock reports whether st is defer X.Unlock() (or RUnlock for
// RLock).
func deferredUnlock(st ast.Stmt, lock, name string) bool {
	d, ok := st.(*ast.DeferStmt)
	if !ok {
		return false
	}
	recv, m := call(d.Call)
	return recv == lock && m == unlockOf(name)
}

// unlockOf is the method that releases what name took: Unlock, RUnlock.
func unlockOf(name string) string { return strings.Replace(name, "Lock", "Unlock", 1) }

// call splits a call X.M() without arguments into X's source and M.
func call(e ast.Expr) (string, string) {
	c, ok := e.(*ast.CallExpr)
	if !ok || len(c.Args) != 0 {
		return "", ""
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	return exprString(sel.X), sel.Sel.Name
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(x.X)
	case *ast.ParenExpr:
		return "(" + exprString(x.X) + ")"
	case *ast.IndexExpr:
		return exprString(x.X) + "[" + exprString(x.Index) + "]"
	case *ast.CallExpr:
		return exprString(x.Fun) + "()"
	}
	return "?"
}
