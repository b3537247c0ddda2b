package testbin

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// missingProgram is a name no PATH or GOPATH holds.
const missingProgram = "blockstack-testbin-no-such-program"

// TestRequireMissingHelper is the test body TestRequireMissing runs in a
// child process, where Require may end the test as it would end a real one.
func TestRequireMissingHelper(t *testing.T) {
	if os.Getenv("TESTBIN_HELPER") != "1" {
		t.Skip("run by TestRequireMissing")
	}
	Require(t, missingProgram, "go install example.com/nothing@v1", "the helper's tests")
	t.Error("Require returned for a missing program")
}

// TestRequireMissing: a missing program skips the test with a loud message,
// but under CI=true it fails it, so that CI never passes by skipping.
func TestRequireMissing(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		wantFail bool
		wantWord string // go test -v's verdict for the helper
	}{
		{"", false, "--- SKIP"},
		{"false", false, "--- SKIP"},
		{"true", true, "--- FAIL"},
		{"1", true, "--- FAIL"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRequireMissingHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "TESTBIN_HELPER=1", "CI="+tc.ci)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Fatalf("helper failed: %v, want %v\n%s", failed, tc.wantFail, out)
			}
			for _, want := range []string{tc.wantWord, "!!! " + missingProgram + " not found", "go install example.com/nothing@v1", "are NOT run !!!"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("helper output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestFindOnPath(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if got, err := Find("sh"); err != nil || got != sh {
		t.Errorf("Find(sh) = %q, %v; want %q", got, err, sh)
	}
	if _, err := Find(missingProgram); err == nil || !strings.Contains(err.Error(), "not on PATH") {
		t.Errorf("Find(missing) = %v", err)
	}
}
