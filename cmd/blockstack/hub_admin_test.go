package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

var adminURLRE = regexp.MustCompile(`msg="gaia admin API listening" url=(\S+)`)

// TestHubAdmin drives `blockstack hub --admin-addr` through its admin API:
// a whitelist set through it holds at once and is written into --config
// (the file's other keys kept); a reload applies the file's whitelist and
// names the settings that take a restart; a bucket's usage; a wrong key
// is refused. The flags' misuse is refused at the start, in one line.
func TestHubAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "hub.json")
	writeFile := func(path, data string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(config, `{"driver": "disk", "pageSize": 20}`, 0o600)
	const key = "0123456789abcdef0123"
	keyFile := filepath.Join(dir, "admin.key")
	writeFile(keyFile, key+"\n", 0o600)

	p := startHubProcess(t, bin, nil, "--config", config, "--data-dir", t.TempDir(), "--admin-addr", "127.0.0.1:0", "--admin-key-file", keyFile)
	var admin string
	for _, l := range p.startup {
		if m := adminURLRE.FindStringSubmatch(l); m != nil {
			admin = m[1]
		}
	}
	if admin == "" {
		t.Fatalf("no admin URL in the hub's log:\n%s", strings.Join(p.startup, "\n"))
	}
	call := func(method, path, body, auth string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, admin+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ctx := context.Background()
	store := func(label string) error {
		h, err := storage.Connect(ctx, storage.Config{HubURL: p.url, AppKey: gaiatest.Key(label)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.PutFile(ctx, "f.txt", []byte("hello"), storage.PutOptions{IgnoreETag: true})
		return err
	}
	owner := gaiaauth.AddressFromKey(gaiatest.Key("owner"))
	bearer := "bearer " + key

	if code, body := call("GET", "/v1/admin/whitelist", "", "bearer "+key+"!"); code != 403 {
		t.Errorf("wrong key: %d %s", code, body)
	}
	if code, body := call("POST", "/v1/admin/whitelist", `["`+owner+`"]`, bearer); code != 200 || body != `{"message":"Whitelist updated"}` {
		t.Fatalf("set whitelist: %d %s", code, body)
	}
	if err := store("stranger"); !errors.Is(err, storage.ErrUnauthorized) {
		t.Errorf("store off the whitelist: %v", err)
	}
	if err := store("owner"); err != nil {
		t.Errorf("store on the whitelist: %v", err)
	}
	var saved map[string]any
	data, _ := os.ReadFile(config)
	if err := json.Unmarshal(data, &saved); err != nil || saved["driver"] != "disk" || saved["pageSize"] != 20.0 ||
		len(saved["whitelist"].([]any)) != 1 {
		t.Errorf("config after the whitelist was set: %s %v", data, err)
	}
	if code, body := call("GET", "/v1/admin/buckets/"+owner+"/usage", "", bearer); code != 200 ||
		body != `{"address":"`+owner+`","bytes":5,"quota_bytes":0}` {
		t.Errorf("usage: %d %s", code, body)
	}

	writeFile(config, `{"driver": "disk", "pageSize": 50, "whitelist": []}`, 0o600)
	if code, body := call("POST", "/v1/admin/reload", "", bearer); code != 200 ||
		body != `{"applied":["whitelist"],"restart_needed":["pageSize"],"result":"OK"}` {
		t.Fatalf("reload: %d %s", code, body)
	}
	if err := store("stranger"); err == nil {
		t.Errorf("a store went through after the reload emptied the whitelist (nobody may write, as in the reference hub)")
	}
	writeFile(config, `{"driver": "disk", "pageSize": 50}`, 0o600)
	if code, body := call("POST", "/v1/admin/reload", "", bearer); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	if err := store("stranger"); err != nil {
		t.Errorf("store after the reload removed the whitelist: %v", err)
	}
	writeFile(config, `{"driver": "disk", "nosuchkey": 1}`, 0o600)
	if code, body := call("POST", "/v1/admin/reload", "", bearer); code != 500 || !strings.Contains(body, "nosuchkey") {
		t.Errorf("reload of a broken file: %d %s", code, body)
	}

	shortKey, openKey := filepath.Join(dir, "short.key"), filepath.Join(dir, "open.key")
	writeFile(shortKey, "short", 0o600)
	writeFile(openKey, key, 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--admin-addr", "127.0.0.1:0"}, "--admin-addr needs --admin-key-file"},
		{[]string{"--admin-key-file", keyFile}, "without --admin-addr"},
		{[]string{"--admin-addr", "127.0.0.1:0", "--admin-key-file", shortKey}, "want at least 16"},
		{[]string{"--admin-addr", "127.0.0.1:0", "--admin-key-file", openKey}, "chmod 600"},
	} {
		stdout, stderr, code := runBinary(t, bin, "", append([]string{"hub", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, c.args...)...)
		failsWith(t, stdout, stderr, code, c.want)
	}
}
