package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/internal/atomicfile"
	"github.com/go-blockstack/go-blockstack/internal/runner"
)

// adminFlags turn on the hub's admin API (gaia.AdminHandler).
type adminFlags struct {
	addr, keyFile string
}

func (f *adminFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&f.addr, "admin-addr", "", "serve the admin API (reload, whitelist, bucket usage; docs/gaia.md) at `address`, a listener of its own, with the hub's TLS (default: off)")
	fl.StringVar(&f.keyFile, "admin-key-file", "", "`file` holding the admin API key (at least 16 bytes; mode 0600), needed with --admin-addr")
}

// adminServer is the admin API's listener and handler; nil when off.
type adminServer struct {
	ln  net.Listener
	tls *serverTLS
	key []byte
	h   http.Handler
}

// listen reads the key and opens the admin API's listener when
// --admin-addr is set (before the hub's, so that its address is logged
// first); attach then puts the hub behind it.
func (f *adminFlags) listen(t *serverTLS, log *slog.Logger) (*adminServer, error) {
	if f.addr == "" {
		if f.keyFile != "" {
			return nil, fmt.Errorf("--admin-key-file without --admin-addr: say where to serve the admin API")
		}
		return nil, nil
	}
	key, err := readAdminKey(f.keyFile)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("--admin-addr: %w", err)
	}
	log.Info("gaia admin API listening", "url", t.url(ln.Addr()))
	return &adminServer{ln: ln, tls: t, key: key}, nil
}

// attach serves hub's admin API. Reload reads the settings again with
// load and applies the whitelist; the other settings that differ from
// running (those the hub started with) are named as needing a restart. A
// whitelist set through the API is written into the --config file, unless
// there is none or GAIA_WHITELIST overrides it.
func (a *adminServer) attach(hub *gaia.Hub, configPath string, running hubConfig, load func() (hubConfig, error)) error {
	if a == nil {
		return nil
	}
	cfg := gaia.AdminConfig{Key: a.key, Reload: func(context.Context) (applied, restart []string, err error) {
		next, err := load()
		if err != nil {
			return nil, nil, err
		}
		hub.SetWhitelist(next.Whitelist)
		return []string{"whitelist"}, changedSettings(running, next), nil
	}}
	if configPath != "" && os.Getenv("GAIA_WHITELIST") == "" {
		cfg.SaveWhitelist = func(list []string) error { return saveWhitelist(configPath, list) }
	}
	var err error
	a.h, err = hub.AdminHandler(cfg)
	return err
}

// readAdminKey reads the key file: the key, its surrounding space
// trimmed, long enough, in a file only its owner reads.
func readAdminKey(path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("--admin-addr needs --admin-key-file FILE (e.g. head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE)")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--admin-key-file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("--admin-key-file %s is readable by others (mode %04o): chmod 600 %s", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--admin-key-file: %w", err)
	}
	key := bytes.TrimSpace(data)
	if len(key) < gaia.MinAdminKey {
		return nil, fmt.Errorf("--admin-key-file %s holds a key of %d bytes: want at least %d (e.g. head -c 32 /dev/urandom | base64 > %s)", path, len(key), gaia.MinAdminKey, path)
	}
	return key, nil
}

// changedSettings names the settings (by their JSON keys) other than the
// whitelist that differ between running and next.
func changedSettings(running, next hubConfig) []string {
	var changed []string
	rv, nv := reflect.ValueOf(running), reflect.ValueOf(next)
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		if name == "whitelist" || name == "" || name == "-" {
			continue
		}
		if !reflect.DeepEqual(rv.Field(i).Interface(), nv.Field(i).Interface()) {
			changed = append(changed, name)
		}
	}
	slices.Sort(changed)
	return changed
}

// saveWhitelist sets the whitelist key of the JSON configuration file at
// path, keeping its other keys as they are.
func saveWhitelist(path string, list []string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err = json.Unmarshal(data, &keys); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if keys["whitelist"], err = json.Marshal(list); err != nil {
		return err
	}
	out, err := json.MarshalIndent(keys, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(out, '\n'))
}

func (a *adminServer) addService(grp *runner.Group, log *slog.Logger) {
	if a == nil {
		return
	}
	grp.Add("gaia admin API", func(ctx context.Context) error { return a.tls.serve(ctx, a.ln, a.h, log) })
}

// close releases the listener, once the service has stopped.
func (a *adminServer) close() {
	if a != nil {
		a.ln.Close()
	}
}
