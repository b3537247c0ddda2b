package tlsconf

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// checkEvery is how often a handshake may look at the certificate files:
// one stat of each a second at most, whatever the handshake rate.
const checkEvery = time.Second

// KeyPair serves a certificate and key read from files, read again when
// either file changes (its size or modification time), looked at by a
// handshake at most once per checkEvery, or when Reload is called (SIGHUP).
// A pair that fails to load keeps the one served and is logged: a
// renewal tool that writes the two files one after the other is read at
// the next change. It is safe for concurrent use.
type KeyPair struct {
	certFile, keyFile string
	log               *slog.Logger
	every             time.Duration

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   stamp // of the files last read, loaded or not
	checked time.Time
}

// stamp is what says that the files changed.
type stamp [2]struct{ size, modNanos int64 }

// LoadKeyPair reads the pair; a pair that does not load is an error.
func LoadKeyPair(certFile, keyFile string, log *slog.Logger) (*KeyPair, error) {
	k := &KeyPair{certFile: certFile, keyFile: keyFile, log: log, every: checkEvery}
	st, err := k.stat()
	if err != nil {
		return nil, err
	}
	if k.cert, err = k.load(); err != nil {
		return nil, err
	}
	k.stamp, k.checked = st, time.Now()
	return k, nil
}

// GetCertificate is tls.Config.GetCertificate: the pair, read again first
// if the files changed since they were last read.
func (k *KeyPair) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now := time.Now(); now.Sub(k.checked) >= k.every {
		k.checked = now
		st, err := k.stat()
		if err != nil {
			if st != k.stamp {
				k.log.Error("TLS certificate files unreadable; still serving the certificate loaded before", "err", err)
				k.stamp = st
			}
			return k.cert, nil
		}
		if st != k.stamp {
			k.stamp = st
			k.swap()
		}
	}
	return k.cert, nil
}

// Reload reads the files now, changed or not. If they fail to load, the
// pair served stays, and the error says why.
func (k *KeyPair) Reload() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	st, _ := k.stat()
	k.stamp, k.checked = st, time.Now()
	return k.swap()
}

// swap loads the files and serves them, or logs why not; k.mu is held.
func (k *KeyPair) swap() error {
	c, err := k.load()
	if err != nil {
		k.log.Error("TLS certificate not reloaded; still serving the one loaded before", "err", err)
		return err
	}
	k.cert = c
	k.log.Info("TLS certificate loaded", "cert", k.certFile, "subject", c.Leaf.Subject.String(), "not_after", c.Leaf.NotAfter)
	return nil
}

func (k *KeyPair) load() (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", k.certFile, k.keyFile, err)
	}
	return &c, nil
}

// stat is the files' stamp; a file that cannot be read has a zero part.
func (k *KeyPair) stat() (stamp, error) {
	var st stamp
	for i, f := range []string{k.certFile, k.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return st, fmt.Errorf("TLS certificate files: %w", err)
		}
		st[i].size, st[i].modNanos = fi.Size(), fi.ModTime().UnixNano()
	}
	return st, nil
}
