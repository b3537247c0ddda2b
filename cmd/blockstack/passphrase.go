package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// passphraseEnv holds the passphrase of an encrypted wallet or keychain
// when --passphrase-file is not given.
const passphraseEnv = "BLOCKSTACK_PASSPHRASE"

// readPassphrase reads the passphrase of what (an encrypted wallet or
// keychain): from --passphrase-file, else $BLOCKSTACK_PASSPHRASE, else a
// prompt on the terminal (twice when confirm, for a new one); never from
// the command line, where other users and the shell's history see it.
func readPassphrase(what string, confirm bool) ([]byte, error) {
	if clientOpts.passphraseFile != "" {
		data, err := os.ReadFile(clientOpts.passphraseFile)
		if err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		if p := bytes.TrimRight(data, "\r\n"); len(p) > 0 {
			return p, nil
		}
		return nil, fmt.Errorf("passphrase: %s is empty", clientOpts.passphraseFile)
	}
	if p := os.Getenv(passphraseEnv); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("%s needs a passphrase: --passphrase-file FILE, $%s, or run the command in a terminal", what, passphraseEnv)
	}
	fmt.Fprintf(os.Stderr, "passphrase of %s: ", what)
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, errors.New("passphrase: empty")
	}
	if confirm {
		fmt.Fprintf(os.Stderr, "again: ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("passphrase: the two differ")
		}
	}
	return p, nil
}
